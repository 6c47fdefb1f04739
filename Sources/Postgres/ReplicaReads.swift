import Logging
import NIOConcurrencyHelpers

/// Reads that may lag, sent to a streaming standby (`DATABASE_READ_URL`) while it keeps up.
///
/// Every `interval` the primary's WAL position is sampled and the standby asked whether it
/// has replayed that far; the last time it had is `caughtUp`. A read goes to the standby only
///
/// - while `caughtUp` is younger than `maxLag` (what any read may miss is bounded), and
/// - for a user, once `caughtUp` is later than that user's last write through this process
///   (`wrote`): a user reads their own writes. Until then their reads go to the primary.
///
/// Anything that decides (auth, budgets, quotas, turn writes, the history a turn continues)
/// never asks: it stays on the primary. A standby that fails or falls behind sends every
/// read back to the primary until it catches up; nothing waits on it.
public final class ReplicaReads: Sendable {
    public let primary: PostgresPool
    public let standby: PostgresPool
    public let maxLag: Duration
    public let interval: Duration
    /// Users whose writes are newer than `caughtUp`; beyond this many, every read goes to
    /// the primary until the standby catches up (the map is cleared: bounded memory).
    package static let maxTracked = 100_000

    private struct State {
        var caughtUp: ContinuousClock.Instant?
        var writes: [Int: ContinuousClock.Instant] = [:]
        var primaryUntilCaughtUpAfter: ContinuousClock.Instant?
    }

    private let state = NIOLockedValueBox(State())
    private let logger: Logger

    public init(
        primary: PostgresPool, standby: PostgresPool, maxLag: Duration, interval: Duration = .milliseconds(250), logger: Logger
    ) {
        self.primary = primary
        self.standby = standby
        self.maxLag = maxLag
        self.interval = interval
        self.logger = logger
    }

    /// The pool for a read that may lag (`user`: whose data it is, nil for reports over all).
    public func pool(for user: Int?) -> PostgresPool {
        let now = ContinuousClock.now
        let useStandby = state.withLockedValue { state -> Bool in
            guard let caughtUp = state.caughtUp, now - caughtUp < maxLag else { return false }
            if let after = state.primaryUntilCaughtUpAfter, caughtUp <= after { return false }
            guard let user, let written = state.writes[user] else { return true }
            return caughtUp > written
        }
        return useStandby ? standby : primary
    }

    /// Runs `body` on the pool for a read of `user`'s data. An answer from the standby that
    /// failed, or that `missing` finds wanting (a row written through another gateway a
    /// moment ago), is asked again of the primary; a standby that could not be reached is
    /// not used again until a sample finds it caught up.
    public func read<T: Sendable>(
        for user: Int?, missing: (T) -> Bool = { _ in false }, _ body: (PostgresPool) async throws -> T
    ) async throws -> T {
        let chosen = pool(for: user)
        guard chosen !== primary else { return try await body(primary) }
        do {
            let value = try await body(chosen)
            if missing(value) == false { return value }
        } catch let error as DatabaseError {
            if error.isUnavailable { state.withLockedValue { $0.caughtUp = nil } }
        }
        return try await body(primary)
    }

    /// Records that `user` just wrote (after the commit): their reads stay on the primary
    /// until the standby has replayed past now.
    public func wrote(_ user: Int) {
        let now = ContinuousClock.now
        state.withLockedValue { state in
            if state.writes.count >= Self.maxTracked {
                state.writes = [:]
                state.primaryUntilCaughtUpAfter = now
            }
            state.writes[user] = now
        }
    }

    /// Writers recorded and not yet replayed by the standby.
    package var trackedWriters: Int { state.withLockedValue { $0.writes.count } }

    /// Samples the standby until cancelled.
    public func run() async {
        while Task.isCancelled == false {
            await sample()
            try? await Task.sleep(for: interval)
        }
    }

    /// One sample: the primary's position, then whether the standby has replayed it.
    package func sample() async {
        let started = ContinuousClock.now
        do {
            let position = try await PostgresPool.$isBackground.withValue(true) {
                // The insert position: every commit acknowledged so far lies below it, flushed or not.
                try await primary.query("SELECT pg_current_wal_insert_lsn()::text AS lsn").first?.decode("lsn", as: String.self)
            }
            guard let position else { return }
            let replayed = try await PostgresPool.$isBackground.withValue(true) {
                try await standby.query(
                    """
                    SELECT pg_is_in_recovery() AND pg_last_wal_replay_lsn() >= \(position)::pg_lsn AS replayed
                    """
                ).first?.decode("replayed", as: Bool.self)
            }
            // Not a standby (an old primary back after a failover, say) is never caught up.
            guard replayed == true else { return }
            state.withLockedValue { state in
                state.caughtUp = started
                state.writes = state.writes.filter { $0.value >= started }
            }
        } catch {
            logger.debug("standby sample failed", metadata: ["error": "\(error)"])
        }
    }
}

extension Optional where Wrapped == ReplicaReads {
    /// A read that may lag: through the standby's routing when one is configured, else on
    /// `primary` (the one place the "no standby" case is decided).
    public func read<T: Sendable>(
        for user: Int?, else primary: PostgresPool, missing: (T) -> Bool = { _ in false },
        _ body: (PostgresPool) async throws -> T
    ) async throws -> T {
        guard let reads = self else { return try await body(primary) }
        return try await reads.read(for: user, missing: missing, body)
    }
}
