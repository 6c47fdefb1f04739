/// Who said a message in a conversation.
public enum ChatRole: String, Sendable, Codable, Equatable, CaseIterable {
    case system, user, assistant
}

/// One message of the conversation sent to a bot.
public struct ChatMessage: Sendable, Codable, Equatable {
    public var role: ChatRole
    public var content: String

    public init(role: ChatRole, content: String) {
        self.role = role
        self.content = content
    }
}

/// Generation settings for one call; nil means the bot's own default.
public struct GenerationOptions: Sendable, Equatable {
    public var maxTokens: Int?
    public var temperature: Double?

    public init(maxTokens: Int? = nil, temperature: Double? = nil) {
        self.maxTokens = maxTokens
        self.temperature = temperature
    }
}

/// Everything a bot needs to answer one turn.
public struct BotRequest: Sendable {
    /// The conversation so far, oldest first; the last message is usually the user's.
    public var messages: [ChatMessage]
    /// The gateway's user id, for bots that attribute usage upstream.
    public var userID: String?
    /// The gateway's conversation id, when the turn belongs to one.
    public var conversationID: String?
    public var options: GenerationOptions
    /// The latest instant by which the call must have finished; past it, fail with `BotError.timeout`.
    public var deadline: ContinuousClock.Instant

    public init(
        messages: [ChatMessage], userID: String? = nil, conversationID: String? = nil,
        options: GenerationOptions = .init(), deadline: ContinuousClock.Instant = .now + .seconds(60)
    ) {
        self.messages = messages
        self.userID = userID
        self.conversationID = conversationID
        self.options = options
        self.deadline = deadline
    }

    /// The content of the last user message, or "" when there is none.
    public var lastUserMessage: String {
        messages.last(where: { $0.role == .user })?.content ?? ""
    }

    /// Throws `BotError.timeout` when the deadline has passed.
    public func checkDeadline() throws {
        if ContinuousClock.now >= deadline { throw BotError.timeout }
    }
}
