import BotKit
import Foundation
import GatewayCore
import Postgres

/// A conversation as listed.
public struct ConversationSummary: Codable, Sendable, Equatable {
    /// Lowercase UUID text, as PostgreSQL writes it.
    public let id: String
    public let title: String
    public let bot: String
    public let createdAt: Date
    public let updatedAt: Date

    package enum CodingKeys: String, CodingKey {
        case id, title, bot
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }

    /// Every member (the memberwise initializer, open to the package's other stores).
    package init(id: String, title: String, bot: String, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.title = title
        self.bot = bot
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// One stored message.
public struct StoredMessage: Codable, Sendable, Equatable {
    /// Lowercase UUID text, as PostgreSQL writes it.
    public let id: String
    public let role: ChatRole
    public let content: String
    public let bot: String?
    public let status: MessageStatus
    public let finishReason: String?
    public let inputTokens: Int?
    public let outputTokens: Int?
    public let latencyMs: Int?
    public let createdAt: Date

    package enum CodingKeys: String, CodingKey {
        case id, role, content, bot, status
        case finishReason = "finish_reason"
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case latencyMs = "latency_ms"
        case createdAt = "created_at"
    }

    /// Every member (the memberwise initializer, open to the package's other stores).
    package init(
        id: String, role: ChatRole, content: String, bot: String?, status: MessageStatus, finishReason: String?,
        inputTokens: Int?, outputTokens: Int?, latencyMs: Int?, createdAt: Date
    ) {
        self.id = id
        self.role = role
        self.content = content
        self.bot = bot
        self.status = status
        self.finishReason = finishReason
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.latencyMs = latencyMs
        self.createdAt = createdAt
    }
}

/// How a stored assistant message ended (the `messages.status` column).
public enum MessageStatus: String, Codable, Sendable {
    /// Complete.
    case ok
    /// The bot could not answer; `content` holds the polite reply.
    case failed
    /// Cut off mid-stream (bot failure, client gone, shutdown); `content` holds what was produced.
    case partial
}

/// A finished turn to store: the user's message and the assistant's answer.
public struct ChatTurn: Sendable {
    public let conversationID: UUID
    /// True when the conversation must be created with this turn.
    public let isNew: Bool
    public let userID: Int
    public let bot: String
    public let userMessageID: UUID
    public let userMessage: String
    public let assistantMessageID: UUID
    public let reply: String
    public let status: MessageStatus
    public let finishReason: String?
    public let usage: TokenUsage?
    public let latencyMs: Int
    /// Tokens added to the user's daily usage in the same statement (nil: nothing).
    public let accounted: TokenUsage?
    /// The API key the turn was asked with (nil: an access token), and its cost in nanos.
    public var keyID: UUID? = nil
    public var costNanos = 0
    /// The user message's and the reply's `MessageParts` JSON (nil: plain text).
    public var userParts: String? = nil
    public var replyParts: String? = nil
    /// When the turn was made: its messages' `created_at` (the partition key), fixed here so
    /// a batch written again after a lost reply finds the same rows.
    public var createdAt = Date()
}

/// Storage of conversations; every call is scoped to the owning user.
public protocol ConversationRepository: Sendable {
    /// The last messages of a conversation of `userID`, oldest first (at most `limit`);
    /// nil when the conversation does not exist or is not theirs.
    func history(conversationID: UUID, userID: Int, limit: Int) async throws -> [ChatMessage]?
    /// Whether a conversation id is taken, and by whom.
    func owner(of conversationID: UUID, userID: Int) async throws -> ConversationOwner
    /// Stores a turn (creating the conversation when new); returns once it is committed.
    /// Throws `ChatError.conversationNotFound` when the conversation is gone or another
    /// user's, a `DatabaseError` when the database failed: nothing of the turn is stored.
    func store(_ turn: ChatTurn) async throws
    /// Conversations of a user, newest first, after the keyset cursor.
    func list(userID: Int, limit: Int, after cursor: ConversationCursor?) async throws -> ConversationPage
    /// One conversation of a user with all its messages; nil when not theirs.
    func conversation(id: UUID, userID: Int) async throws -> (ConversationSummary, [StoredMessage])?
    /// Deletes one conversation of a user; false when not theirs.
    func delete(id: UUID, userID: Int) async throws -> Bool
    /// One stored answer of a user (a Responses API response) with the input of its turn;
    /// nil when there is no such answer or it is not theirs.
    func response(id: UUID, userID: Int) async throws -> StoredResponse?
    /// Deletes one stored answer of a user and the input of its turn (the conversation too,
    /// when nothing else is left in it); false when not theirs.
    func deleteResponse(id: UUID, userID: Int) async throws -> Bool
}

/// A stored answer as the Responses API shows it: one turn of a conversation.
public struct StoredResponse: Sendable, Equatable {
    public let conversationID: UUID
    /// The turn's input as stored: tool results, then the user message.
    public let input: [ChatMessage]
    /// The answer: its text and tool calls.
    public let answer: ChatMessage
    public let bot: String
    public let status: MessageStatus
    public let finishReason: String?
    public let usage: TokenUsage?
    public let createdAt: Date
    /// No complete answer follows it in its conversation (only the latest continues a chain).
    public let isLatest: Bool

    package init(
        conversationID: UUID, input: [ChatMessage], answer: ChatMessage, bot: String, status: MessageStatus,
        finishReason: String?, usage: TokenUsage?, createdAt: Date, isLatest: Bool
    ) {
        self.conversationID = conversationID
        self.input = input
        self.answer = answer
        self.bot = bot
        self.status = status
        self.finishReason = finishReason
        self.usage = usage
        self.createdAt = createdAt
        self.isLatest = isLatest
    }
}

/// Who holds a conversation id (a client-chosen `X-Conversation-Id` may be anyone's).
public enum ConversationOwner: Sendable, Equatable {
    case nobody
    case caller
    case someoneElse
}

/// Keyset position in the conversation list: (updated_at in microseconds, id) of the
/// last item seen, exact to PostgreSQL's precision.
public struct ConversationCursor: Sendable, Equatable {
    public let updatedMicros: Int64
    public let id: UUID

    public init(updatedMicros: Int64, id: UUID) {
        self.updatedMicros = updatedMicros
        self.id = id
    }

    /// An opaque, URL-safe token.
    public var token: String {
        Data("\(updatedMicros)|\(id.lowercasedString)".utf8).base64URLEncodedString
    }

    /// Parses a token; nil when malformed.
    public init?(token: String) {
        guard token.count <= 128, let data = Data(base64URLEncoded: token) else { return nil }
        let parts = String(decoding: data, as: UTF8.self).split(separator: "|")
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else { return nil }
        self.init(updatedMicros: micros, id: id)
    }
}

/// One page of conversations and the cursor of the next page, if any.
public struct ConversationPage: Sendable {
    public let items: [ConversationSummary]
    public let next: ConversationCursor?

    /// Every member (the memberwise initializer, open to the package's other stores).
    package init(items: [ConversationSummary], next: ConversationCursor?) {
        self.items = items
        self.next = next
    }
}
