import BotKit
import Foundation
import GatewayCore
import Tracing

/// Stores a finished turn (its messages and usage in one commit), or, for a turn that is
/// not stored, adds its tokens to the user's usage; either way settles its budget hold
/// with what it used, priced at the bot that answered.
package struct TurnRecorder: Sendable {
    package let conversations: any ConversationRepository
    package let batcher: UsageBatcher
    package let quotas: Quotas
    /// For the price of the bot that answered (the fallback's, when it did).
    package let bots: BotDirectory
    /// `CONVERSATION_IMAGE_MAX_BYTES`.
    package let maxImageBytes: Int
    package let metrics: BotMetrics
    package let logs: DampedLog
    /// Where runs dropped before they were recorded are recorded.
    package let dropped: DroppedTurns

    /// Records the turn; returns once it is committed, or throws `ChatService.TurnNotStored`.
    package func record(_ turn: ChatService.PreparedTurn, _ result: ChatService.TurnResult, latency: Duration)
        async throws(ChatService.TurnNotStored)
    {
        let tokens = accountedUsage(turn, result)
        let price = result.bot == turn.bot.name ? turn.bot.price : bots.bot(named: result.bot)?.price ?? turn.bot.price
        let cost = tokens.map(price.cost) ?? 0
        turn.hold?.settle(tokens: tokens.map { $0.inputTokens + $0.outputTokens } ?? 0, costNanos: cost)
        if let tokens { quotas.spent(userID: turn.userID, tokens) }
        if turn.store, turn.storesFailures || result.status != .failed {
            try await store(turn, result, latency: latency, accounted: tokens, cost: cost)
        } else if let tokens {
            addUsage(turn, result, tokens, cost: cost)
        }
    }

    private func store(
        _ turn: ChatService.PreparedTurn, _ result: ChatService.TurnResult, latency: Duration, accounted: TokenUsage?,
        cost: Int
    ) async throws(ChatService.TurnNotStored) {
        // What a bot sent is made storable here, for every bot kind: no NUL (text and jsonb
        // refuse it), a finish reason within its VARCHAR(32), token counts within INTEGER.
        var stored = ChatTurn(
            conversationID: turn.conversationID, isNew: turn.isNew, userID: turn.userID, bot: result.bot,
            userMessageID: turn.userMessageID, userMessage: turn.userMessage, assistantMessageID: turn.assistantMessageID,
            reply: result.text.replacingNUL, status: result.status,
            finishReason: (result.completion?.finishReason.rawValue ?? result.error?.code).map {
                $0.replacingNUL.prefix(codePoints: 32)
            },
            usage: result.completion?.usage.map(Self.storable), latencyMs: Int(latency / .milliseconds(1)),
            accounted: accounted.map(Self.storable))
        stored.keyID = turn.keyID
        stored.costNanos = cost
        stored.userParts = MessageParts.encode(turn.input, maxImageBytes: maxImageBytes)
        let calls = result.toolCalls.map {
            ToolCall(id: $0.id.replacingNUL, name: $0.name.replacingNUL, arguments: $0.arguments.replacingNUL)
        }
        stored.replyParts = MessageParts.encode(
            [ChatMessage(role: .assistant, content: "", toolCalls: calls)], maxImageBytes: maxImageBytes)
        do {
            try await withSpan("store turn") { _ in try await conversations.store(stored) }
        } catch {
            // Refused alone (the conversation went away): the call still consumed tokens.
            if case ChatError.conversationNotFound = error, let accounted { addUsage(turn, result, accounted, cost: cost) }
            metrics.storeFailed()
            logs.error("storing a chat turn failed", error: error)
            throw ChatService.TurnNotStored(cause: error)
        }
    }

    /// Token counts within PostgreSQL's INTEGER, never negative (whatever a bot reported).
    package static func storable(_ usage: TokenUsage) -> TokenUsage {
        func bounded(_ count: Int) -> Int { min(max(count, 0), Int(Int32.max)) }
        return TokenUsage(
            inputTokens: bounded(usage.inputTokens), outputTokens: bounded(usage.outputTokens),
            cachedInputTokens: usage.cachedInputTokens.map(bounded), reasoningTokens: usage.reasoningTokens.map(bounded))
    }

    /// The call's tokens for usage accounting (reported, or estimated); nil when the bot
    /// failed before any output in a way the upstream answered before processing (free).
    /// A failure whose outcome upstream is unknown (a timeout, a 5xx after the request went
    /// out) is charged as if it ran: at its budget reservation, or at the input estimate.
    private func accountedUsage(_ turn: ChatService.PreparedTurn, _ result: ChatService.TurnResult) -> TokenUsage? {
        if case .failed(let error) = result.outcome {
            guard error.outcomeUnknown else { return nil }
            metrics.unknownOutcome(bot: result.bot)
            return Self.storable(turn.hold?.reserved ?? Quotas.usage(nil, messages: turn.messages, reply: ""))
        }
        return Self.storable(Quotas.usage(result.completion?.usage, messages: turn.messages, reply: result.text))
    }

    /// Adds the tokens of a turn that is not stored to the user's usage, in the next batch
    /// (a client that leaves still pays).
    private func addUsage(_ turn: ChatService.PreparedTurn, _ result: ChatService.TurnResult, _ tokens: TokenUsage, cost: Int) {
        batcher.note(UsageEntry(userID: turn.userID, bot: result.bot, keyID: turn.keyID, tokens: tokens, costNanos: cost))
    }
}
