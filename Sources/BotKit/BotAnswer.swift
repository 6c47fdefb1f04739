import Synchronization

/// Where a bot writes its answer as it produces it.
public struct BotWriter: Sendable {
    let continuation: AsyncThrowingStream<BotEvent, any Error>.Continuation

    /// Hands a piece of text on. Throws `CancellationError` once the reader is gone, so a
    /// bot that writes as it goes stops with its reader.
    public func delta(_ text: String) throws {
        if case .terminated = continuation.yield(.delta(text)) { throw CancellationError() }
    }

    /// Hands a piece of a tool call on (the whole call, or its fragments in order).
    public func toolCall(_ piece: ToolCallDelta) throws {
        if case .terminated = continuation.yield(.toolCall(piece)) { throw CancellationError() }
    }
}

/// Counts a provider's calls that are running now (`BotStatistics.activeCalls`), which
/// the conformance kit reads to see that cancellation stops the work, not only the stream.
public final class CallCounter: Sendable {
    private let count = Atomic(0)
    public init() {}

    public var running: Int { count.load(ordering: .relaxed) }
    public func started() { count.add(1, ordering: .relaxed) }
    public func stopped() { count.subtract(1, ordering: .relaxed) }
}

/// Runs a bot's answer written as an async function (what `FunctionBot` does for each
/// call): the function writes deltas to a `BotWriter` and returns the completion, so there
/// is exactly one. It runs in a task of its own that the reader's cancellation cancels, on
/// Swift's shared pool, so it must never block: wait with `await` (I/O on threads of its
/// own, `Task.sleep`), never with a blocking call. A `CancellationError` ends the stream as
/// such, any other error as a `BotError` (`BotError.wrap`). With a `deadline`, the stream
/// ends with `BotError.timeout` when it passes, whatever the function is waiting on, and the
/// function is cancelled.
public enum BotAnswer {
    public static func stream(
        counting calls: CallCounter? = nil, until deadline: ContinuousClock.Instant? = nil,
        _ body: @escaping @Sendable (BotWriter) async throws -> BotCompletion
    ) -> AsyncThrowingStream<BotEvent, any Error> {
        AsyncThrowingStream { continuation in
            calls?.started()
            // Set before the tasks start: the answer may end before they are stored.
            let tasks = AnswerTasks()
            continuation.onTermination = { _ in tasks.end() }
            let answer = Task {
                defer { calls?.stopped() }
                do {
                    let completion = try await body(BotWriter(continuation: continuation))
                    continuation.yield(.completed(completion))
                    continuation.finish()
                } catch is CancellationError {
                    continuation.finish(throwing: CancellationError())
                } catch {
                    continuation.finish(throwing: BotError.wrap(error))
                }
            }
            // Ends the stream at the deadline; its end cancels the body (and a later finish
            // of the body is ignored). One sweeper watches every answer's deadline.
            let watch = deadline.map { deadline in
                DeadlineSweeper.shared.watch(deadline) { continuation.finish(throwing: BotError.timeout) }
            }
            tasks.store(answer, watch)
        }
    }
}

/// An answer's body task and deadline watch, cancelled and released together when its
/// stream ends (by the reader, the body or the deadline), even when that happens before
/// they are stored.
final class AnswerTasks: Sendable {
    private struct State {
        var body: Task<Void, Never>?
        var watch: DeadlineSweeper.Watch?
        var ended = false
    }

    private let state = Mutex(State())

    func store(_ body: Task<Void, Never>, _ watch: DeadlineSweeper.Watch?) {
        let ended = state.withLock { state in
            if state.ended == false { (state.body, state.watch) = (body, watch) }
            return state.ended
        }
        if ended {
            body.cancel()
            watch.map(DeadlineSweeper.shared.release)
        }
    }

    func end() {
        let (body, watch) = state.withLock { state in
            state.ended = true
            defer { (state.body, state.watch) = (nil, nil) }
            return (state.body, state.watch)
        }
        body?.cancel()
        watch.map(DeadlineSweeper.shared.release)
    }
}

extension BotRequest {
    /// Sleeps `delay`, but never past the deadline: then throws `BotError.timeout`.
    public func sleep(for delay: Duration) async throws {
        let wake = ContinuousClock.now + delay
        if wake > deadline {
            try await Task.sleep(until: deadline, clock: .continuous)
            throw BotError.timeout
        }
        try await Task.sleep(until: wake, clock: .continuous)
    }
}
