import AsyncAlgorithms
import BotKit
import GatewayCore
import Instrumentation
import Logging
import Tracing

/// One call of one bot for a turn, pulled one delta at a time by the turn's writer (so
/// the bot produces the next event only once the previous one was written): bounds it by
/// its deadline and tells how it ended, with metrics and a damped log line on failure.
/// Used by one task at a time.
package final class BotCall: @unchecked Sendable {
    /// What the call produced next.
    package enum Step {
        case piece(ChatService.TurnPiece)
        case ended(ChatService.TurnResult)
    }

    /// What every call of a service shares.
    package struct Context: Sendable {
        package let metrics: BotMetrics
        package let logger: Logger
        package let logs: DampedLog
    }

    package let bot: BotDirectory.Entry
    private let context: Context
    private let started = ContinuousClock.now
    private let deadline: ContinuousClock.Instant
    private var events: BotEvents?
    private var text = ""
    private var calls = ToolCallAssembler()
    private var sentAny = false
    /// The call's trace span (a no-op unless tracing is on): time to first token and tokens
    /// as attributes; its context travels upstream as `traceparent`.
    private let span: any Span
    private var spanOpen = true

    package init(_ turn: ChatService.PreparedTurn, bot: BotDirectory.Entry, context: Context) {
        self.bot = bot
        self.context = context
        span = startSpan("bot call", ofKind: .client)
        span.attributes["gen_ai.bot.name"] = bot.name
        span.attributes["gen_ai.bot.kind"] = bot.kind
        var request = BotRequest(
            messages: turn.messages, userID: String(turn.userID), conversationID: turn.conversationID.lowercasedString,
            options: turn.options, deadline: started + bot.timeout)
        InstrumentationSystem.instrument.inject(span.context, into: &request.traceHeaders, using: TraceHeaders())
        deadline = request.deadline
        events = BotEvents(bot.provider.stream(request), deadline: deadline, trusted: bot.provider is any DeadlineBound)
    }

    deinit {
        events?.stop()
        endSpan()
    }

    private func endSpan(_ error: BotError? = nil) {
        guard spanOpen else { return }
        spanOpen = false
        if let error {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error, message: error.code))
        }
        span.end()
    }

    /// The next delta, or how the call ended. The read is this function's only suspension;
    /// what it means is worked out synchronously (`step`), so a held stream's suspended
    /// frames stay small.
    package func next() async -> Step {
        guard var source = events else { return .ended(cancelled()) }
        let read: Result<BotEvent?, any Error>
        do { read = .success(try await source.next()) } catch { read = .failure(error) }
        events = source
        return step(read)
    }

    private func step(_ read: Result<BotEvent?, any Error>) -> Step {
        do {
            switch try Self.classified(read, deadline: deadline) {
            case .delta(let piece):
                output()
                text += piece
                return .piece(.text(piece))
            case .toolCall(let piece):
                output()
                calls.add(piece)
                return .piece(.toolCall(piece))
            case .completed(let completion):
                close()
                context.metrics.call(bot: bot.name, .ok)
                context.metrics.latency(bot: bot.name, ContinuousClock.now - started)
                if let usage = completion.usage {
                    context.metrics.tokens(bot: bot.name, usage)
                    span.attributes["gen_ai.usage.input_tokens"] = usage.inputTokens
                    span.attributes["gen_ai.usage.output_tokens"] = usage.outputTokens
                }
                endSpan()
                var result = ChatService.TurnResult(text: text, bot: bot.name, outcome: .completed(completion))
                result.toolCalls = calls.calls
                return .ended(result)
            }
        } catch let error as BotError {
            close()
            context.metrics.call(bot: bot.name, BotMetrics.outcome(for: error))
            endSpan(error)
            context.logs.error("bot call failed", error: error, metadata: ["bot": .string(bot.name)])
            if sentAny { return .ended(.init(text: text, bot: bot.name, outcome: .failedMidway(error))) }
            return .ended(.init(text: PoliteReply.text(for: error), bot: bot.name, outcome: .failed(error)))
        } catch {
            return .ended(cancelled())
        }
    }

    private func output() {
        if sentAny == false {
            let elapsed = ContinuousClock.now - started
            context.metrics.timeToFirstToken(bot: bot.name, elapsed)
            span.attributes["gen_ai.time_to_first_token_ms"] = elapsed.milliseconds
        }
        sentAny = true
    }

    /// Stops the bot (the client went away or the request was cancelled); the answer so
    /// far is the call's text.
    package func cancelled() -> ChatService.TurnResult {
        if events != nil {
            close()
            context.metrics.call(bot: bot.name, .cancelled)
            span.attributes["gen_ai.cancelled"] = true
            endSpan()
            context.logger.info("chat turn cancelled", metadata: ["bot": .string(bot.name)])
        }
        return .init(text: text, bot: bot.name, outcome: .cancelled)
    }

    private func close() {
        events?.stop()
        events = nil
    }

    /// Names the failure of one read of a bot's events: a `BotError` as thrown, the
    /// caller's cancellation as `CancellationError`, a stop at the deadline as `timeout`,
    /// anything else (or an end without a completion) as an upstream failure.
    package static func classified(_ read: Result<BotEvent?, any Error>, deadline: ContinuousClock.Instant) throws -> BotEvent {
        let event: BotEvent?
        do {
            event = try read.get()
        } catch let error as BotError {
            throw error
        } catch is CancellationError where Task.isCancelled == false && ContinuousClock.now >= deadline {
            throw BotError.timeout
        } catch  where Task.isCancelled {
            throw CancellationError()
        } catch {
            throw BotError.upstreamFailure(status: 0)
        }
        if let event { return event }
        if Task.isCancelled { throw CancellationError() }
        throw ContinuousClock.now >= deadline ? BotError.timeout : BotError.upstreamFailure(status: 0)
    }
}

/// A bot's events, read straight from its stream when BotKit or this package's transport
/// holds it to its deadline (`DeadlineBound`), or through `BotDeadline` when not.
package struct BotEvents {
    private var direct: AsyncThrowingStream<BotEvent, any Error>.AsyncIterator?
    private var bounded: (relay: BotDeadline, events: AsyncThrowingChannel<BotEvent, any Error>.AsyncIterator)?

    package init(_ stream: AsyncThrowingStream<BotEvent, any Error>, deadline: ContinuousClock.Instant, trusted: Bool) {
        if trusted {
            direct = stream.makeAsyncIterator()
        } else {
            let relay = BotDeadline(stream, deadline: deadline)
            bounded = (relay, relay.events.makeAsyncIterator())
        }
    }

    package mutating func next() async throws -> BotEvent? {
        if direct != nil { return try await direct!.next() }
        return try await bounded?.events.next()
    }

    /// Cancels the bot's stream.
    package func stop() { bounded?.relay.stop() }
}

/// Writes trace context into a bot request's headers.
package struct TraceHeaders: Injector {
    package func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
}
