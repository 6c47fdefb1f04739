import BotKit
import Foundation
import Logging

/// A chat turn from its request to its stored answer: `TurnPreparer` resolves the bot and
/// builds the context, `BotCall` streams the bot's reply (here falling back to
/// `BOT_FALLBACK` when the chosen bot fails before any output), `TurnRecorder` stores it.
public struct ChatService: Sendable {
    let bots: BotDirectory
    let preparer: TurnPreparer
    let caller: BotCall
    let recorder: TurnRecorder
    let logger: Logger
    let metrics: BotMetrics

    init(
        bots: BotDirectory, conversations: any ConversationRepository, usage: UsageBatcher, quotas: Quotas,
        config: BotsConfig, logger: Logger, logs: DampedLog
    ) {
        let metrics = BotMetrics()
        self.bots = bots
        self.preparer = TurnPreparer(bots: bots, conversations: conversations, quotas: quotas, config: config)
        self.caller = BotCall(metrics: metrics, logger: logger, logs: logs)
        self.recorder = TurnRecorder(conversations: conversations, batcher: usage, metrics: metrics, logs: logs)
        self.logger = logger
        self.metrics = metrics
    }

    /// Checks the bot and the conversation and builds the context sent to the bot.
    public func prepare(_ request: TurnRequest) async throws -> PreparedTurn { try await preparer.prepare(request) }

    /// A turn whose context the client sends (the OpenAI-compatible API); see `TurnPreparer`.
    public func prepareCompletion(
        userID: Int, bot name: String, messages: [ChatMessage], conversationID: UUID?, options: GenerationOptions
    ) async throws -> PreparedTurn {
        try await preparer.prepareCompletion(
            userID: userID, bot: name, messages: messages, conversationID: conversationID, options: options)
    }

    /// Runs the turn, handing each text delta to `emit`, then stores it. A throwing
    /// `emit` (client gone) cancels the bot; what was produced is stored as partial.
    /// Returns only once the turn is committed; throws `TurnNotStored` when it could not be.
    public func run(_ turn: PreparedTurn, emit: (String) async throws -> Void) async throws(TurnNotStored) -> TurnResult {
        let started = ContinuousClock.now
        var candidates = [turn.bot]
        if let name = bots.fallback, name != turn.bot.name, let fallback = bots.bot(named: name) { candidates.append(fallback) }
        var result = await caller.attempt(turn, bot: turn.bot, emit: emit)
        for fallback in candidates.dropFirst() {
            guard case .failed(let error) = result.outcome else { break }
            logger.warning(
                "bot failed; trying the fallback",
                metadata: ["bot": .string(result.bot), "error": .string("\(error)"), "fallback": .string(fallback.name)])
            result = await caller.attempt(turn, bot: fallback, emit: emit)
            metrics.call(bot: fallback.name, .fallback)
        }
        try await recorder.record(turn, result, latency: ContinuousClock.now - started)
        return result
    }
}
