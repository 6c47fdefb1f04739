import NIOConcurrencyHelpers
import Postgres
import ServiceLifecycle

/// A service that collects writes in memory and writes them every `interval`, and once
/// more at graceful shutdown (so it must stop before the database pool does).
package protocol BatchWriter: Service {
    var interval: Duration { get }
    var logs: DampedLog { get }
    /// Serializes the writes.
    var gate: FlushGate { get }
    /// Writes what was collected (one at a time: see `flush`).
    func writeBatch() async
}

extension BatchWriter {
    /// Writes what was collected. One write at a time: a flush that finds a write under way
    /// waits for it, so when `flush` returns, everything noted before it is written (or
    /// kept for the next write while the database is unreachable).
    package func flush() async {
        await gate.serialized { await writeBatch() }
    }

    package func run() async throws {
        while Task.isCancelled == false && Task.isShuttingDownGracefully == false {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            } catch {
                break
            }
            await flush()
        }
        await flush()
    }

    /// Runs one batch's write. When the database is unreachable `keep` puts the batch back
    /// for the next write; any other failure would repeat forever, so the batch is dropped.
    /// Either way it is logged (damped) as `what` failing.
    package func write(_ what: String, body: () async throws -> Void, keep: () -> Void) async {
        do {
            try await PostgresPool.$isBackground.withValue(true) { try await body() }
        } catch let error as DatabaseError where error.isUnavailable {
            keep()
            logs.error("\(what) failed; kept for the next write", error: error)
        } catch {
            logs.error("\(what) failed; dropped", error: error)
        }
    }
}

/// Runs async bodies one at a time, in the order they arrived.
package final class FlushGate: Sendable {
    private struct State {
        package var busy = false
        package var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = NIOLockedValueBox(State())

    package init() {}

    package func serialized(_ body: () async -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let runNow = state.withLockedValue { state -> Bool in
                if state.busy {
                    state.waiters.append(continuation)
                    return false
                }
                state.busy = true
                return true
            }
            if runNow { continuation.resume() }
        }
        await body()
        let next = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            guard state.waiters.isEmpty == false else {
                state.busy = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
