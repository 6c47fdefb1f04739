import BotKit
import Foundation
import Logging

/// A chat turn from its request to its stored answer: `TurnPreparer` resolves the bot and
/// builds the context, a `TurnRun` pulls the bot's reply (`BotCall`, falling back to
/// `BOT_FALLBACK` when the chosen bot fails before any output), `TurnRecorder` stores it.
public struct ChatService: Sendable {
    let bots: BotDirectory
    let preparer: TurnPreparer
    let calls: BotCall.Context
    let recorder: TurnRecorder

    init(
        bots: BotDirectory, conversations: any ConversationRepository, usage: UsageBatcher, quotas: Quotas,
        config: BotsConfig, logger: Logger, logs: DampedLog
    ) {
        let metrics = BotMetrics()
        self.bots = bots
        self.preparer = TurnPreparer(bots: bots, conversations: conversations, quotas: quotas, config: config)
        self.calls = BotCall.Context(metrics: metrics, logger: logger, logs: logs)
        self.recorder = TurnRecorder(conversations: conversations, batcher: usage, quotas: quotas, metrics: metrics, logs: logs)
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

    /// Starts answering the turn; its writer pulls the deltas and finishes it.
    public func start(_ turn: PreparedTurn) -> TurnRun {
        var fallbacks: [BotDirectory.Entry] = []
        if let name = bots.fallback, name != turn.bot.name, let fallback = bots.bot(named: name) { fallbacks.append(fallback) }
        return TurnRun(turn, fallbacks: fallbacks, recorder: recorder, context: calls)
    }

    /// Answers the turn whole and stores it; returns only once it is committed.
    public func answer(_ turn: PreparedTurn) async throws(TurnNotStored) -> TurnResult {
        try await start(turn).finish()
    }
}
