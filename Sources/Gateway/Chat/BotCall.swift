import BotKit
import Logging

/// One call of one bot for a turn: streams its deltas to the client, bounds it by its
/// deadline, and tells how it ended (with metrics and a damped log line on failure).
struct BotCall: Sendable {
    let metrics: BotMetrics
    let logger: Logger
    let logs: DampedLog

    /// The receiver of the deltas (the client's connection) failed.
    struct DeltaSinkError: Error {}

    func attempt(
        _ turn: ChatService.PreparedTurn, bot: BotDirectory.Entry, emit: (String) async throws -> Void
    ) async -> ChatService.TurnResult {
        let started = ContinuousClock.now
        let request = BotRequest(
            messages: turn.messages, userID: String(turn.userID), conversationID: turn.conversationID.lowercasedString,
            options: turn.options, deadline: started + bot.timeout)
        var text = ""
        var sentAny = false
        do {
            let completion = try await Self.consume(
                bot.provider.stream(request), deadline: request.deadline, trusted: bot.provider.honoursDeadline
            ) { piece in
                if sentAny == false { metrics.timeToFirstToken(bot: bot.name, ContinuousClock.now - started) }
                sentAny = true
                text += piece
                do { try await emit(piece) } catch { throw DeltaSinkError() }
            }
            metrics.call(bot: bot.name, .ok)
            metrics.latency(bot: bot.name, ContinuousClock.now - started)
            if let usage = completion.usage { metrics.tokens(bot: bot.name, usage) }
            return .init(text: text, bot: bot.name, outcome: .completed(completion))
        } catch let error as BotError {
            metrics.call(bot: bot.name, BotMetrics.outcome(for: error))
            logs.error("bot call failed", error: error, metadata: ["bot": .string(bot.name)])
            if sentAny { return .init(text: text, bot: bot.name, outcome: .failedMidway(error)) }
            return .init(text: PoliteReply.text(for: error), bot: bot.name, outcome: .failed(error))
        } catch {
            // The client went away (emit threw) or the request was cancelled.
            metrics.call(bot: bot.name, .cancelled)
            logger.info("chat turn cancelled", metadata: ["bot": .string(bot.name)])
            return .init(text: text, bot: bot.name, outcome: .cancelled)
        }
    }

    /// Iterates a bot stream until its completion. Providers should honour the request's
    /// deadline themselves (the BotKit conformance kit checks it); `BotDeadline` stops one
    /// that does not. Any error that is not a `BotError` or the caller's cancellation
    /// counts as an upstream failure.
    static func consume(
        _ stream: AsyncThrowingStream<BotEvent, any Error>, deadline: ContinuousClock.Instant, trusted: Bool = false,
        onDelta: (String) async throws -> Void
    ) async throws -> BotCompletion {
        do {
            if trusted {
                if let completion = try await read(stream, onDelta) { return completion }
            } else {
                let bounded = BotDeadline(stream, deadline: deadline)
                defer { bounded.stop() }
                if let completion = try await read(bounded.events, onDelta) { return completion }
            }
        } catch let error as BotError {
            throw error
        } catch let error as DeltaSinkError {
            throw error
        } catch is CancellationError where Task.isCancelled == false && ContinuousClock.now >= deadline {
            throw BotError.timeout
        } catch  where Task.isCancelled {
            throw CancellationError()
        } catch {
            throw BotError.upstreamFailure(status: 0)
        }
        if Task.isCancelled { throw CancellationError() }
        throw ContinuousClock.now >= deadline ? BotError.timeout : BotError.upstreamFailure(status: 0)
    }

    /// Hands deltas on until the completion (nil: the stream ended without one).
    private static func read<Events: AsyncSequence>(_ events: Events, _ onDelta: (String) async throws -> Void)
        async throws -> BotCompletion? where Events.Element == BotEvent
    {
        for try await event in events {
            switch event {
            case .delta(let piece): try await onDelta(piece)
            case .completed(let completion): return completion
            }
        }
        return nil
    }
}
