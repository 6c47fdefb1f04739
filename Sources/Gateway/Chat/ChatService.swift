import BotKit
import Foundation
import Logging

/// A chat turn from its request to its stored answer: resolves the bot, loads the
/// conversation's context, streams the bot's reply (falling back to `BOT_FALLBACK`
/// when the chosen bot fails before any output), stores the turn, counts it.
public struct ChatService: Sendable {
    let bots: BotDirectory
    let conversations: any ConversationRepository
    let usage: any UsageRepository
    let quotas: Quotas
    let config: BotsConfig
    let logger: Logger
    let metrics = BotMetrics()
    /// Repeated failures (a database or bot outage) are logged once per interval.
    let logs: DampedLog

    /// What the client asked.
    public struct TurnRequest: Sendable {
        public var userID: Int
        public var message: String
        public var conversationID: UUID?
        public var bot: String?
        public var options = GenerationOptions()
    }

    /// A turn ready to run: ids are fixed before the first byte is sent.
    public struct PreparedTurn: Sendable {
        public let conversationID: UUID
        public let isNew: Bool
        public let bot: BotDirectory.Entry
        public let messages: [ChatMessage]
        public let userID: Int
        public let userMessage: String
        /// False for `/v1` calls without `X-Conversation-Id`: nothing is stored.
        public var store = true
        public let userMessageID = UUID.random()
        public let assistantMessageID = UUID.random()
        public let options: GenerationOptions
    }

    /// How a turn ended.
    public struct TurnResult: Sendable {
        public let text: String
        /// The bot that answered (the fallback's name when it did).
        public let bot: String
        public let completion: BotCompletion?
        /// Set when the bot failed; `text` then holds the polite reply (or the partial text).
        public let error: BotError?
        /// True when the failure came after some text had been sent.
        public let partial: Bool

        /// How the stored assistant message ended.
        public var status: MessageStatus { partial ? .partial : (error == nil ? .ok : .failed) }
    }

    /// Checks the bot and the conversation and builds the context sent to the bot.
    public func prepare(_ request: TurnRequest) async throws -> PreparedTurn {
        guard let bot = bots.bot(named: request.bot) else { throw ChatError.unknownBot(request.bot ?? "") }
        try await quotas.admit(userID: request.userID)
        var context: [ChatMessage] = []
        let conversationID: UUID
        if let id = request.conversationID {
            guard
                let history = try await conversations.history(
                    conversationID: id, userID: request.userID, limit: config.contextMessages)
            else { throw ChatError.conversationNotFound }
            context = Self.trim(history, characters: config.contextCharacters)
            conversationID = id
        } else {
            conversationID = UUID.random()
        }
        let messages = withSystemPrompt(context + [ChatMessage(role: .user, content: request.message)])
        return PreparedTurn(
            conversationID: conversationID, isNew: request.conversationID == nil, bot: bot, messages: messages,
            userID: request.userID, userMessage: request.message, options: request.options)
    }

    /// A turn whose context the client sends itself (the OpenAI-compatible API). It is
    /// stored only when `conversationID` is given (created when new, never another user's).
    public func prepareCompletion(
        userID: Int, bot name: String, messages: [ChatMessage], conversationID: UUID?, options: GenerationOptions
    ) async throws -> PreparedTurn {
        guard let bot = bots.bot(named: name) else { throw ChatError.unknownBot(name) }
        try await quotas.admit(userID: userID)
        var isNew = true
        if let conversationID {
            switch try await conversations.owner(of: conversationID, userID: userID) {
            case .nobody: isNew = true
            case .caller: isNew = false
            case .someoneElse: throw ChatError.conversationNotFound
            }
        }
        var turn = PreparedTurn(
            conversationID: conversationID ?? UUID.random(), isNew: isNew, bot: bot, messages: withSystemPrompt(messages),
            userID: userID,
            userMessage: messages.last(where: { $0.role == .user })?.content ?? "", options: options)
        turn.store = conversationID != nil
        return turn
    }

    /// `BOT_SYSTEM_PROMPT`, when set, before the conversation.
    private func withSystemPrompt(_ messages: [ChatMessage]) -> [ChatMessage] {
        guard let prompt = config.systemPrompt else { return messages }
        return [ChatMessage(role: .system, content: prompt)] + messages
    }

    /// Keeps the newest messages whose total length fits the character budget.
    static func trim(_ history: [ChatMessage], characters budget: Int) -> [ChatMessage] {
        var kept: [ChatMessage] = []
        var used = 0
        for message in history.reversed() {
            used += message.content.count
            if used > budget { break }
            kept.append(message)
        }
        return kept.reversed()
    }

    /// Runs the turn, handing each text delta to `emit`, then stores it. A throwing
    /// `emit` (client gone) cancels the bot; what was produced is stored as partial.
    /// Returns only once the turn is committed; throws `TurnNotStored` when it could not be.
    public func run(_ turn: PreparedTurn, emit: (String) async throws -> Void) async throws(TurnNotStored) -> TurnResult {
        let started = ContinuousClock.now
        var candidates = [turn.bot]
        if let name = bots.fallback, name != turn.bot.name, let fallback = bots.bot(named: name) { candidates.append(fallback) }
        var result: TurnResult?
        for (index, bot) in candidates.enumerated() {
            let attempt = await attempt(turn, bot: bot, emit: emit)
            if index > 0 { metrics.call(bot: bot.name, .fallback) }
            if attempt.error == nil || attempt.partial || index == candidates.count - 1 {
                result = attempt
                break
            }
            logger.warning(
                "bot failed; trying the fallback",
                metadata: [
                    "bot": .string(bot.name), "error": .string("\(attempt.error!)"),
                    "fallback": .string(candidates[index + 1].name),
                ])
        }
        let final = result!
        let tokens = accountedUsage(turn, final)
        if turn.store {
            try await store(turn, final, latency: ContinuousClock.now - started, accounted: tokens)
        } else if let tokens {
            await record(turn, final, tokens)
        }
        return final
    }

    private func attempt(
        _ turn: PreparedTurn, bot: BotDirectory.Entry, emit: (String) async throws -> Void
    ) async -> TurnResult {
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
            return TurnResult(text: text, bot: bot.name, completion: completion, error: nil, partial: false)
        } catch let error as BotError {
            metrics.call(bot: bot.name, BotMetrics.outcome(for: error))
            logs.error("bot call failed", error: error, metadata: ["bot": .string(bot.name)])
            return TurnResult(
                text: sentAny ? text : Self.politeReply(error), bot: bot.name, completion: nil, error: error, partial: sentAny)
        } catch {
            // The client went away (emit threw) or the request was cancelled.
            metrics.call(bot: bot.name, .cancelled)
            logger.info("chat turn cancelled", metadata: ["bot": .string(bot.name)])
            return TurnResult(text: text, bot: bot.name, completion: nil, error: nil, partial: true)
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

    private func store(_ turn: PreparedTurn, _ result: TurnResult, latency: Duration, accounted: TokenUsage?)
        async throws(TurnNotStored)
    {
        let stored = ChatTurn(
            conversationID: turn.conversationID, isNew: turn.isNew, userID: turn.userID, bot: result.bot,
            userMessageID: turn.userMessageID, userMessage: turn.userMessage, assistantMessageID: turn.assistantMessageID,
            reply: result.text.replacingNUL, status: result.status,
            finishReason: result.completion?.finishReason.rawValue ?? result.error?.code, usage: result.completion?.usage,
            latencyMs: Int(latency / .milliseconds(1)), accounted: accounted)
        do {
            try await conversations.store(stored)
        } catch {
            // Refused alone (the conversation went away): the call still consumed tokens.
            if case ChatError.conversationNotFound = error, let accounted { await record(turn, result, accounted) }
            metrics.storeFailed()
            logs.error("storing a chat turn failed", error: error)
            throw TurnNotStored(cause: error)
        }
    }

    /// The call's tokens for usage accounting (reported, or estimated); nil when the bot
    /// failed before any output and consumed nothing worth counting.
    private func accountedUsage(_ turn: PreparedTurn, _ result: TurnResult) -> TokenUsage? {
        guard result.error == nil || result.partial else { return nil }
        return Quotas.usage(result.completion?.usage, messages: turn.messages, reply: result.text)
    }

    /// Adds the tokens of a turn that is not stored to the user's usage; best effort, but
    /// not undone by the request's cancellation (a client that leaves still pays).
    private func record(_ turn: PreparedTurn, _ result: TurnResult, _ tokens: TokenUsage) async {
        let (usage, logs) = (self.usage, self.logs)
        await Task {
            do {
                try await usage.record(userID: turn.userID, bot: result.bot, usage: tokens)
            } catch {
                logs.error("recording usage failed", error: error)
            }
        }.value
    }

    /// The polite answer given when no bot could reply.
    static func politeReply(_ error: BotError) -> String {
        "I'm sorry, I can't answer right now. \(error.safeMessage) Please try again in a moment."
    }

    /// The receiver of the deltas (the client's connection) failed.
    struct DeltaSinkError: Error {}

    /// Hints sent with a polite failure reply.
    static let suggestions = [
        "Try again in a few seconds.", "Shorten or rephrase your message.", "Pick another bot (GET /api/v1/bots).",
    ]
}
