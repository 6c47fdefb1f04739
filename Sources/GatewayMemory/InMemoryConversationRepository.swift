import BotKit
import Foundation
import GatewayCore
import GatewayDomain
import Synchronization

/// `ConversationRepository` in this process's memory, with `PostgresConversationRepository`'s
/// rules: every call scoped to the owner, a turn stored whole or not at all (with its usage,
/// counted once however often it is written), another user's conversation refused, keyset
/// pages newest first.
package final class InMemoryConversationRepository: ConversationRepository {
    /// A stored message with what the tables keep beside it.
    package struct Message: Sendable {
        package let conversationID: UUID
        package let stored: StoredMessage
        package let parts: String?
    }

    private struct Conversation {
        let id: UUID
        let userID: Int
        let title: String
        let bot: String
        let createdAt: Date
        /// Microseconds since 1970, PostgreSQL's precision (the list's cursor is exact).
        var updatedMicros: Int64

        var summary: ConversationSummary {
            ConversationSummary(
                id: id.lowercasedString, title: title, bot: bot, createdAt: createdAt,
                updatedAt: Date(timeIntervalSince1970: Double(updatedMicros) / 1_000_000))
        }
    }

    private struct State {
        var conversations: [UUID: Conversation] = [:]
        /// In insertion order (PostgreSQL's `seq`).
        var messages: [Message] = []
        var messageIDs: Set<UUID> = []
        var lastMicros: Int64 = 0
    }

    private let state = Mutex(State())
    private let usage: InMemoryUsageRepository
    private let now: @Sendable () -> Date

    package init(usage: InMemoryUsageRepository, now: @escaping @Sendable () -> Date = { Date() }) {
        self.usage = usage
        self.now = now
    }

    package func history(conversationID: UUID, userID: Int, limit: Int) async throws -> [ChatMessage]? {
        state.withLock { state in
            guard state.conversations[conversationID]?.userID == userID else { return nil }
            let kept = state.messages.filter { $0.conversationID == conversationID && $0.stored.status != .failed }
            return kept.suffix(limit).flatMap { message in
                MessageParts.decode(message.parts, role: message.stored.role, content: message.stored.content)
            }
        }
    }

    package func owner(of conversationID: UUID, userID: Int) async throws -> ConversationOwner {
        state.withLock { state in
            guard let conversation = state.conversations[conversationID] else { return .nobody }
            return conversation.userID == userID ? .caller : .someoneElse
        }
    }

    package func store(_ turn: ChatTurn) async throws {
        let now = now()
        let inserted = try state.withLock { state throws(ChatError) -> Bool in
            // Strictly increasing, as rows committed one after another are.
            let micros = max(Int64(now.timeIntervalSince1970 * 1_000_000), state.lastMicros + 1)
            state.lastMicros = micros
            if let existing = state.conversations[turn.conversationID] {
                guard existing.userID == turn.userID else { throw .conversationNotFound }
                state.conversations[turn.conversationID]?.updatedMicros = micros
            } else {
                guard turn.isNew else { throw .conversationNotFound }
                state.conversations[turn.conversationID] = Conversation(
                    id: turn.conversationID, userID: turn.userID,
                    title: turn.userMessage.trimmedWhitespace.prefix(codePoints: 80),
                    bot: turn.bot, createdAt: now, updatedMicros: micros)
            }
            // Keyed by the messages' ids: the same turn written again adds nothing.
            guard state.messageIDs.contains(turn.assistantMessageID) == false else { return false }
            state.messageIDs.formUnion([turn.userMessageID, turn.assistantMessageID])
            state.messages.append(Self.userMessage(turn, at: now))
            state.messages.append(Self.reply(turn, at: now))
            return true
        }
        if inserted, let accounted = turn.accounted {
            try await usage.record([
                UsageEntry(userID: turn.userID, bot: turn.bot, keyID: turn.keyID, tokens: accounted, costNanos: turn.costNanos)
            ])
        }
    }

    private static func userMessage(_ turn: ChatTurn, at now: Date) -> Message {
        Message(
            conversationID: turn.conversationID,
            stored: StoredMessage(
                id: turn.userMessageID.lowercasedString, role: .user, content: turn.userMessage, bot: nil, status: .ok,
                finishReason: nil, inputTokens: nil, outputTokens: nil, latencyMs: nil, createdAt: now),
            parts: turn.userParts)
    }

    private static func reply(_ turn: ChatTurn, at now: Date) -> Message {
        Message(
            conversationID: turn.conversationID,
            stored: StoredMessage(
                id: turn.assistantMessageID.lowercasedString, role: .assistant, content: turn.reply, bot: turn.bot,
                status: turn.status, finishReason: turn.finishReason, inputTokens: turn.usage?.inputTokens,
                outputTokens: turn.usage?.outputTokens, latencyMs: turn.latencyMs, createdAt: now),
            parts: turn.replyParts)
    }

    package func list(userID: Int, limit: Int, after cursor: ConversationCursor?) async throws -> ConversationPage {
        let ordered = state.withLock { state in
            state.conversations.values.filter { $0.userID == userID }
                .map { (micros: $0.updatedMicros, id: $0.id.lowercasedString, conversation: $0) }
                .sorted { ($0.micros, $0.id) > ($1.micros, $1.id) }
        }
        let after = ordered.filter { item in
            guard let cursor else { return true }
            return (item.micros, item.id) < (cursor.updatedMicros, cursor.id.lowercasedString)
        }
        let page = after.prefix(limit)
        let next =
            after.count > limit
            ? page.last.map { ConversationCursor(updatedMicros: $0.micros, id: $0.conversation.id) } : nil
        return ConversationPage(items: page.map(\.conversation.summary), next: next)
    }

    package func conversation(id: UUID, userID: Int) async throws -> (ConversationSummary, [StoredMessage])? {
        state.withLock { state in
            guard let conversation = state.conversations[id], conversation.userID == userID else { return nil }
            return (conversation.summary, state.messages.filter { $0.conversationID == id }.map(\.stored))
        }
    }

    package func delete(id: UUID, userID: Int) async throws -> Bool {
        state.withLock { state in
            guard state.conversations[id]?.userID == userID else { return false }
            state.conversations[id] = nil
            state.messages.removeAll { $0.conversationID == id }
            return true
        }
    }

    package func response(id: UUID, userID: Int) async throws -> StoredResponse? {
        state.withLock { state in
            let key = id.lowercasedString
            guard let index = state.messages.firstIndex(where: { $0.stored.id == key && $0.stored.role == .assistant }),
                case let message = state.messages[index],
                state.conversations[message.conversationID]?.userID == userID
            else { return nil }
            let before = state.messages[..<index].last { $0.conversationID == message.conversationID }
            let input = before.flatMap { $0.stored.role == .user ? $0 : nil }.map { row in
                MessageParts.decode(row.parts, role: .user, content: row.stored.content)
            }
            let stored = message.stored
            return StoredResponse(
                conversationID: message.conversationID, input: input ?? [],
                answer: MessageParts.decode(message.parts, role: .assistant, content: stored.content).last
                    ?? ChatMessage(role: .assistant, content: ""),
                bot: stored.bot ?? "", status: stored.status, finishReason: stored.finishReason,
                usage: stored.inputTokens.flatMap { input in
                    stored.outputTokens.map { TokenUsage(inputTokens: input, outputTokens: $0) }
                }, createdAt: stored.createdAt,
                isLatest: state.messages[(index + 1)...].contains {
                    $0.conversationID == message.conversationID && $0.stored.role == .assistant && $0.stored.status == .ok
                } == false)
        }
    }

    package func deleteResponse(id: UUID, userID: Int) async throws -> Bool {
        state.withLock { state in
            let key = id.lowercasedString
            guard let index = state.messages.firstIndex(where: { $0.stored.id == key && $0.stored.role == .assistant }),
                case let conversation = state.messages[index].conversationID,
                state.conversations[conversation]?.userID == userID
            else { return false }
            var doomed: Set<Int> = [index]
            if let before = state.messages[..<index].lastIndex(where: { $0.conversationID == conversation }),
                state.messages[before].stored.role == .user
            {
                doomed.insert(before)
            }
            state.messages = state.messages.enumerated().filter { doomed.contains($0.offset) == false }.map(\.element)
            if state.messages.contains(where: { $0.conversationID == conversation }) == false {
                state.conversations[conversation] = nil
            }
            return true
        }
    }

    /// Every assistant message (for administrators' daily figures).
    package func replies() -> [StoredMessage] {
        state.withLock { state in state.messages.map(\.stored).filter { $0.role == .assistant } }
    }

    /// Drops the conversations of a deleted user (the foreign key's cascade).
    package func removeAll(userID: Int) {
        state.withLock { state in
            let gone = Set(state.conversations.values.filter { $0.userID == userID }.map(\.id))
            state.conversations = state.conversations.filter { gone.contains($0.key) == false }
            state.messages.removeAll { gone.contains($0.conversationID) }
        }
    }
}
