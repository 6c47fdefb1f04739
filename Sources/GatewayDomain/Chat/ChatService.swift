import BotKit
import Foundation
import GatewayCore
import Logging

/// A chat turn from its request to its stored answer: `TurnPreparer` resolves the bot and
/// builds the context, a `TurnRun` pulls the bot's reply (`BotCall`, falling back to
/// `BOT_FALLBACK` when the chosen bot fails before any output), `TurnRecorder` stores it.
public struct ChatService: Sendable {
    package let bots: BotDirectory
    package let preparer: TurnPreparer
    package let calls: BotCall.Context
    package let recorder: TurnRecorder

    package init(
        bots: BotDirectory, conversations: any ConversationRepository, usage: UsageBatcher, quotas: Quotas,
        budgets: Budgets, config: BotsConfig, streamWriteTimeout: Duration = .seconds(30), logger: Logger, logs: DampedLog
    ) {
        let metrics = BotMetrics()
        self.bots = bots
        self.preparer = TurnPreparer(
            bots: bots, conversations: conversations, quotas: quotas, budgets: budgets, config: config,
            streamWriteTimeout: streamWriteTimeout)
        self.calls = BotCall.Context(metrics: metrics, logger: logger, logs: logs)
        self.recorder = TurnRecorder(
            conversations: conversations, batcher: usage, quotas: quotas, bots: bots,
            maxImageBytes: config.conversationImageBytes,
            metrics: metrics, logs: logs, dropped: DroppedTurns())
    }

    /// Records turns whose run was dropped unfinished; an application service.
    package var droppedTurns: DroppedTurns { recorder.dropped }

    /// This replica's recent calls per bot (latencies, outcomes), for the admin API.
    package var latencies: BotLatencies { calls.metrics.latencies }

    /// Checks the bot and the conversation and builds the context sent to the bot.
    public func prepare(_ request: TurnRequest) async throws -> PreparedTurn { try await preparer.prepare(request) }

    /// A turn whose context the client sends (the OpenAI-compatible API); see `TurnPreparer`.
    public func prepareCompletion(
        userID: Int, keyID: UUID?, access: BotAccess, bot name: String, messages: [ChatMessage], conversationID: UUID?,
        options: GenerationOptions
    ) async throws -> PreparedTurn {
        try await preparer.prepareCompletion(
            userID: userID, keyID: keyID, access: access, bot: name, messages: messages, conversationID: conversationID,
            options: options)
    }

    /// Starts answering the turn; its writer pulls the deltas and finishes it.
    /// The fallback is tried only when it can serve the turn as asked (the capabilities its
    /// input needs, the extras it carries): a fallback never drops what the chosen bot took.
    public func start(_ turn: PreparedTurn) -> TurnRun {
        let fallback = bots.fallback.flatMap { bots.bot(named: $0) }.flatMap { fallback in
            fallback.name != turn.bot.name && fallback.provider.capabilities.isSuperset(of: turn.needs)
                && Set(turn.options.extras.keys).isSubset(of: fallback.provider.acceptedExtras) ? fallback : nil
        }
        return TurnRun(turn, fallback: fallback, recorder: recorder, context: calls)
    }

    /// Asks `bot` for embeddings of `inputs` for `userID`: checks the bot has the
    /// capability, counts the request against the user's quotas, holds the bot to its
    /// timeout, and adds the input tokens to the user's usage (reported, or estimated) in
    /// the next batch. The result's `inputTokens` is always set (reported, or estimated).
    public func embed(userID: Int, keyID: UUID?, bot: BotDirectory.Entry, inputs: [String], dimensions: Int?) async throws
        -> Embeddings
    {
        try ChatError.check(bot, needs: .embeddings)
        try await preparer.quotas.admit(userID: userID)
        let hold = try await preparer.budgets.reserve(
            userID: userID, keyID: keyID,
            usage: TokenUsage(inputTokens: inputs.reduce(0) { $0 + 8 + $1.utf8.count }, outputTokens: 0), price: bot.price,
            holdFor: Budgets.holdTime(bot.timeout))
        let request = EmbeddingRequest(
            inputs: inputs, dimensions: dimensions, userID: String(userID), deadline: .now + bot.timeout)
        let provider = bot.provider
        var embeddings: Embeddings
        do {
            guard let answer = try await Self.within(request.deadline, { try await provider.embed(request) }) else {
                throw BotError.timeout
            }
            embeddings = answer
        } catch let error as BotError where error.outcomeUnknown {
            // The upstream may have processed (and billed) the inputs: charged as if it ran.
            let usage =
                hold?.reserved
                ?? TokenUsage(
                    inputTokens: Quotas.estimatedTokens(characters: inputs.reduce(0) { $0 + $1.count }), outputTokens: 0)
            let cost = bot.price.cost(usage)
            hold?.settle(tokens: usage.totalTokens, costNanos: cost)
            recorder.batcher.note(UsageEntry(userID: userID, bot: bot.name, keyID: keyID, tokens: usage, costNanos: cost))
            throw error
        }
        let tokens = min(
            max(embeddings.inputTokens ?? Quotas.estimatedTokens(characters: inputs.reduce(0) { $0 + $1.count }), 0),
            Int(Int32.max))
        embeddings.inputTokens = tokens
        let usage = TokenUsage(inputTokens: tokens, outputTokens: 0)
        let cost = bot.price.cost(usage)
        hold?.settle(tokens: tokens, costNanos: cost)
        recorder.batcher.note(UsageEntry(userID: userID, bot: bot.name, keyID: keyID, tokens: usage, costNanos: cost))
        return embeddings
    }

    /// Answers the turn whole and stores it; returns only once it is committed.
    public func answer(_ turn: PreparedTurn) async throws(TurnNotStored) -> TurnResult {
        try await start(turn).finish()
    }

    /// A bot's answer outside a turn (embeddings, a token count), or nil once `deadline`
    /// and the grace past it have passed (the call is then cancelled).
    static func within<Answer: Sendable>(
        _ deadline: ContinuousClock.Instant, _ call: @escaping @Sendable () async throws -> Answer?
    ) async throws -> Answer? {
        try await withThrowingTaskGroup(of: Answer?.self) { group in
            group.addTask { try await call() }
            group.addTask {
                try await Task.sleep(until: deadline + BotDeadline.grace, clock: .continuous)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }
}
