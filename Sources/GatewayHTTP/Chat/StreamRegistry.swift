import GatewayCore
import GatewayDomain
import Hummingbird
import Metrics
import NIOConcurrencyHelpers
import NIOCore

/// The open streaming responses (SSE chat and `/v1` streams): bounded per user
/// (`MAX_STREAMS_PER_USER`, 429) and in total (`MAX_STREAMS`, 503), and drained on
/// shutdown — new streams are refused, open ones may finish within the grace period,
/// then each ends at its next write with an `error` event (what it produced is stored as
/// `partial`).
package final class StreamRegistry: Sendable {
    private struct State {
        package var perUser: [Int: Int] = [:]
        package var total = 0
        package var phase = Phase.serving
        package var nextLease = 0
        /// Writes in progress: when each started, and its connection (closed when stalled).
        package var writes: [Int: (started: ContinuousClock.Instant, channel: any Channel)] = [:]
        package var sweeping = false
    }

    /// Serving, refusing new streams while open ones finish, or ending the open ones.
    package enum Phase: Sendable { case serving, draining, ending }

    private let state = NIOLockedValueBox(State())
    package let maxPerUser: Int
    package let maxTotal: Int
    /// How long a write may wait for a reader that takes nothing.
    package let writeTimeout: Duration

    package init(maxPerUser: Int, maxTotal: Int, writeTimeout: Duration) {
        self.maxPerUser = maxPerUser
        self.maxTotal = maxTotal
        self.writeTimeout = writeTimeout
    }

    /// A stream is refused: too many of the user's own, too many in all, or shutting down.
    package struct Refused: Error, APIErrorConvertible {
        package enum Reason: String {
            case perUser = "per_user"
            case total, shutdown
        }
        package let reason: Reason

        package var apiError: APIError {
            switch reason {
            case .perUser:
                APIError(
                    .tooManyRequests, "Too many open streams for this account. Close one and retry.",
                    code: "too_many_streams", headers: [.retryAfter: "1"])
            case .total:
                APIError(
                    .serviceUnavailable, "The server is handling too many streams. Please retry shortly.",
                    code: "server_busy", headers: [.retryAfter: "2"])
            case .shutdown:
                APIError(
                    .serviceUnavailable, "The server is restarting. Please retry shortly.", code: "shutting_down",
                    headers: [.retryAfter: "2"])
            }
        }
    }

    package var open: Int { state.withLockedValue { $0.total } }
    package var phase: Phase { state.withLockedValue { $0.phase } }

    /// Counts a new stream of `userID` on `channel`, or throws `Refused`.
    package func admit(userID: Int, channel: any Channel) throws -> Lease {
        let admitted = state.withLockedValue { state -> Result<(id: Int, open: Int), Refused> in
            if state.phase != .serving { return .failure(Refused(reason: .shutdown)) }
            if state.total >= maxTotal { return .failure(Refused(reason: .total)) }
            if state.perUser[userID, default: 0] >= maxPerUser { return .failure(Refused(reason: .perUser)) }
            state.total += 1
            state.perUser[userID, default: 0] += 1
            state.nextLease += 1
            return .success((state.nextLease, state.total))
        }
        switch admitted {
        case .failure(let refused):
            Counter(label: "gateway_streams_refused_total", dimensions: [("reason", refused.reason.rawValue)]).increment()
            throw refused
        case .success(let lease):
            Gauge(label: "gateway_streams_open").record(lease.open)
            return Lease(registry: self, userID: userID, id: lease.id, channel: channel)
        }
    }

    /// Notes a write starting (the sweeper closes its connection if it stalls).
    fileprivate func writing(_ id: Int, on channel: any Channel) {
        let startSweeper = state.withLockedValue { state -> Bool in
            state.writes[id] = (.now, channel)
            defer { state.sweeping = true }
            return state.sweeping == false
        }
        if startSweeper {
            let interval = min(max(writeTimeout / 4, .milliseconds(50)), .seconds(1))
            // Holds the registry only while sweeping, so a registry let go ends its sweeper.
            Task { [weak self] in
                while true {
                    try? await Task.sleep(for: interval)
                    guard let self else { return }
                    self.closeStalledWrites()
                }
            }
        }
    }

    fileprivate func wrote(_ id: Int) {
        _ = state.withLockedValue { $0.writes.removeValue(forKey: id) }
    }

    /// Closes the connections of writes older than the write timeout; run a few times per
    /// timeout by one sweeper per registry instead of a timer per write.
    private func closeStalledWrites() {
        let now = ContinuousClock.now
        let stalled = state.withLockedValue { state in
            state.writes.values.filter { now - $0.started >= writeTimeout }.map(\.channel)
        }
        stalled.forEach { $0.close(promise: nil) }
    }

    fileprivate func release(userID: Int) {
        let open = state.withLockedValue { state -> Int in
            state.total -= 1
            let left = state.perUser[userID, default: 1] - 1
            state.perUser[userID] = left > 0 ? left : nil
            return state.total
        }
        Gauge(label: "gateway_streams_open").record(open)
    }

    /// Refuses new streams, lets open ones run up to `grace`, then ends them and waits up
    /// to `grace` again for them to store their partial turns.
    package func drain(grace: Duration) async {
        state.withLockedValue { $0.phase = .draining }
        if await waitUntilIdle(timeout: grace) { return }
        state.withLockedValue { $0.phase = .ending }
        _ = await waitUntilIdle(timeout: max(grace, .seconds(1)))
    }

    /// True when no stream is open, within `timeout`.
    private func waitUntilIdle(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if open == 0 { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return open == 0
    }

    /// One open stream; `end()` gives its place back (once).
    package final class Lease: Sendable {
        private let registry: StreamRegistry
        private let userID: Int
        private let id: Int
        /// The stream's connection, closed when a write stalls.
        private let channel: any Channel
        private let released = NIOLockedValueBox(false)

        fileprivate init(registry: StreamRegistry, userID: Int, id: Int, channel: any Channel) {
            self.registry = registry
            self.userID = userID
            self.id = id
            self.channel = channel
        }

        /// A response dropped before its body ran still gives its place back.
        deinit { end() }

        /// True once shutdown asks open streams to end.
        package var mustEnd: Bool { registry.phase == .ending }

        package func end() {
            let first = released.withLockedValue { released -> Bool in
                defer { released = true }
                return released == false
            }
            if first { registry.release(userID: userID) }
        }

        /// Writes `buffer`; when the reader takes nothing for the write timeout the
        /// connection is closed (the write then fails, which ends the bot call). Once
        /// shutdown ends streams, a write fails at once, except the stream's own last words
        /// (`duringShutdown`: its closing `error` or `end` event).
        package func write(_ buffer: ByteBuffer, to writer: inout any ResponseBodyWriter, duringShutdown: Bool = false)
            async throws
        {
            if duringShutdown == false, mustEnd { throw ShuttingDown() }
            registry.writing(id, on: channel)
            defer { registry.wrote(id) }
            try await writer.write(buffer)
        }

        /// Ends the response, within the write timeout too.
        package func finish(_ writer: inout any ResponseBodyWriter) async throws {
            registry.writing(id, on: channel)
            defer { registry.wrote(id) }
            try await writer.finish(nil)
        }
    }

    /// Thrown by a stream's write once shutdown ends open streams.
    package struct ShuttingDown: Error {}
}
