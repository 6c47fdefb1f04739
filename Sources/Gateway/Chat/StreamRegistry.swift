import Hummingbird
import Metrics
import NIOConcurrencyHelpers
import NIOCore

/// The open streaming responses (SSE chat and `/v1` streams): bounded per user
/// (`MAX_STREAMS_PER_USER`, 429) and in total (`MAX_STREAMS`, 503), and drained on
/// shutdown — new streams are refused, open ones may finish within the grace period,
/// then each ends at its next write with an `error` event (what it produced is stored as
/// `partial`).
final class StreamRegistry: Sendable {
    private struct State {
        var perUser: [Int: Int] = [:]
        var total = 0
        var phase = Phase.serving
    }

    /// Serving, refusing new streams while open ones finish, or ending the open ones.
    enum Phase: Sendable { case serving, draining, ending }

    private let state = NIOLockedValueBox(State())
    let maxPerUser: Int
    let maxTotal: Int
    /// How long a write may wait for a reader that takes nothing.
    let writeTimeout: Duration

    init(maxPerUser: Int, maxTotal: Int, writeTimeout: Duration) {
        self.maxPerUser = maxPerUser
        self.maxTotal = maxTotal
        self.writeTimeout = writeTimeout
    }

    /// A stream is refused: too many of the user's own, too many in all, or shutting down.
    struct Refused: Error, APIErrorConvertible {
        enum Reason: String {
            case perUser = "per_user"
            case total, shutdown
        }
        let reason: Reason

        var apiError: APIError {
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

    var open: Int { state.withLockedValue { $0.total } }
    var phase: Phase { state.withLockedValue { $0.phase } }

    /// Counts a new stream of `userID`, or throws `Refused`.
    func admit(userID: Int) throws -> Lease {
        let refusal = state.withLockedValue { state -> Refused.Reason? in
            if state.phase != .serving { return .shutdown }
            if state.total >= maxTotal { return .total }
            if state.perUser[userID, default: 0] >= maxPerUser { return .perUser }
            state.total += 1
            state.perUser[userID, default: 0] += 1
            return nil
        }
        if let refusal {
            Counter(label: "gateway_streams_refused_total", dimensions: [("reason", refusal.rawValue)]).increment()
            throw Refused(reason: refusal)
        }
        Gauge(label: "gateway_streams_open").record(open)
        return Lease(registry: self, userID: userID)
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
    func drain(grace: Duration) async {
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
    final class Lease: Sendable {
        private let registry: StreamRegistry
        private let userID: Int
        private let released = NIOLockedValueBox(false)

        fileprivate init(registry: StreamRegistry, userID: Int) {
            self.registry = registry
            self.userID = userID
        }

        /// A response dropped before its body ran still gives its place back.
        deinit { end() }

        /// True once shutdown asks open streams to end.
        var mustEnd: Bool { registry.phase == .ending }

        func end() {
            let first = released.withLockedValue { released -> Bool in
                defer { released = true }
                return released == false
            }
            if first { registry.release(userID: userID) }
        }

        /// Writes `buffer`, closing the connection when the reader takes nothing for the
        /// write timeout (the write then fails, which ends the bot call). Once shutdown ends
        /// streams, a write fails at once, except the stream's own last words
        /// (`duringShutdown`: its closing `error` or `end` event).
        func write(
            _ buffer: ByteBuffer, to writer: inout any ResponseBodyWriter, channel: any Channel, duringShutdown: Bool = false
        ) async throws {
            if duringShutdown == false, mustEnd { throw ShuttingDown() }
            let timer = armTimer(channel)
            defer { timer.cancel() }
            try await writer.write(buffer)
        }

        /// Ends the response, within the write timeout too.
        func finish(_ writer: inout any ResponseBodyWriter, channel: any Channel) async throws {
            let timer = armTimer(channel)
            defer { timer.cancel() }
            try await writer.finish(nil)
        }

        private func armTimer(_ channel: any Channel) -> Scheduled<Void> {
            channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(registry.writeTimeout / .nanoseconds(1)))) {
                channel.close(promise: nil)
            }
        }
    }

    /// Thrown by a stream's write once shutdown ends open streams.
    struct ShuttingDown: Error {}
}
