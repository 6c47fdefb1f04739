/// Who said a message in a conversation.
public enum ChatRole: String, Sendable, Codable, Equatable, CaseIterable {
    case system, user, assistant
    /// A tool's result (`ChatMessage.toolCallID` names the call).
    case tool
}

/// One message of the conversation sent to a bot: its text, and the images it carries
/// (only for bots declaring `BotCapabilities.images`; the gateway refuses them otherwise).
public struct ChatMessage: Sendable, Codable, Equatable {
    public var role: ChatRole
    public var content: String
    public var images: [ImagePart]
    /// The tools an assistant message called (bots declaring `tools`).
    public var toolCalls: [ToolCall]
    /// The call a `tool` message answers.
    public var toolCallID: String?
    /// The content as the client split it into text blocks, when one of them is a cache
    /// breakpoint (empty: one block, `content`); `content` is their texts joined by newlines.
    /// Per call only: never stored with the conversation.
    public var textBlocks: [TextBlock] = []
    /// A cache breakpoint after the whole message (a marked image, tool call or tool result).
    public var cache: CacheControl?

    /// What is stored and sent to webhook bots: cache breakpoints are per call.
    private enum CodingKeys: String, CodingKey { case role, content, images, toolCalls, toolCallID }

    public init(
        role: ChatRole, content: String, images: [ImagePart] = [], toolCalls: [ToolCall] = [], toolCallID: String? = nil
    ) {
        self.role = role
        self.content = content
        self.images = images
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
    }

    /// Reads `{role, content}`; images and tool calls are optional.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        role = try container.decode(ChatRole.self, forKey: .role)
        content = try container.decode(String.self, forKey: .content)
        images = try container.decodeIfPresent([ImagePart].self, forKey: .images) ?? []
        toolCalls = try container.decodeIfPresent([ToolCall].self, forKey: .toolCalls) ?? []
        toolCallID = try container.decodeIfPresent(String.self, forKey: .toolCallID)
    }
}

/// An image in a message, as the client sent it: a URL (the bot's upstream fetches it;
/// the gateway never does), or base64 data with its media type.
public enum ImagePart: Sendable, Codable, Equatable {
    case url(String)
    case data(mediaType: String, base64: String)

    /// The image as a `data:` URL or its URL.
    public var url: String {
        switch self {
        case .url(let url): url
        case .data(let mediaType, let base64): "data:\(mediaType);base64,\(base64)"
        }
    }

    /// Reads an `https:` URL or a base64 `data:` URL; nil for anything else (a plain `http:`
    /// URL would let an upstream inside a network be sent to fetch internal addresses).
    public init?(url text: String) {
        if text.hasPrefix("data:") {
            guard let comma = text.firstIndex(of: ","), text[..<comma].hasSuffix(";base64") else { return nil }
            let mediaType = text[text.index(text.startIndex, offsetBy: 5)..<comma].dropLast(7)
            guard mediaType.hasPrefix("image/"), text.index(after: comma) < text.endIndex else { return nil }
            self = .data(mediaType: String(mediaType), base64: String(text[text.index(after: comma)...]))
        } else if text.hasPrefix("https://") {
            self = .url(text)
        } else {
            return nil
        }
    }
}

/// Generation settings for one call; nil (or empty) means the bot's own default.
public struct GenerationOptions: Sendable, Equatable {
    public var maxTokens: Int?
    public var temperature: Double?
    /// Nucleus sampling, 0...1.
    public var topP: Double?
    /// Up to four sequences that end the answer when generated.
    public var stop: [String]
    /// A best-effort determinism hint.
    public var seed: Int?
    /// The client's own end-user id (OpenAI's `user`), passed on for abuse tracking.
    public var endUser: String?
    /// The shape the answer must take (bots declaring `structuredOutput`).
    public var responseFormat: ResponseFormat = .text
    /// Tools the model may call, and whether it must (bots declaring `tools`).
    public var tools: [ToolDefinition] = []
    /// OpenAI's `prompt_cache_key`: groups calls that share a long prefix, for services
    /// that route by it (OpenAI-format bots pass it on; others ignore it).
    public var promptCacheKey: String?
    public var toolChoice: ToolChoice = .auto
    /// Provider-specific parameters the client sent beyond the ones above, passed only to
    /// a bot that accepts them by name (`BotProvider.acceptedExtras`); others are a 400.
    public var extras: [String: JSONValue] = [:]

    public init(
        maxTokens: Int? = nil, temperature: Double? = nil, topP: Double? = nil, stop: [String] = [], seed: Int? = nil,
        endUser: String? = nil
    ) {
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.stop = stop
        self.seed = seed
        self.endUser = endUser
    }
}

/// The shape of the answer: free text, any JSON object, or JSON matching a schema.
public enum ResponseFormat: Sendable, Equatable {
    case text
    case jsonObject
    /// A named JSON Schema; `strict` asks the model to follow it exactly.
    case jsonSchema(name: String, schema: JSONValue, strict: Bool)
}

/// Inputs beyond plain text a bot declares it serves; the gateway answers a request that
/// needs one its bot lacks with a 400 naming it, never by dropping the input.
public struct BotCapabilities: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Tool definitions, tool calls and tool results.
    public static let tools = BotCapabilities(rawValue: 1 << 0)
    /// Image parts in messages.
    public static let images = BotCapabilities(rawValue: 1 << 1)
    /// JSON-object or JSON-schema constrained output.
    public static let structuredOutput = BotCapabilities(rawValue: 1 << 2)
    /// Vectors for texts (`BotProvider.embed`).
    public static let embeddings = BotCapabilities(rawValue: 1 << 3)

    /// The names used in error messages and documentation.
    public var names: [String] {
        [
            (Self.tools, "tools"), (Self.images, "images"), (Self.structuredOutput, "structured_output"),
            (Self.embeddings, "embeddings"),
        ]
        .filter { contains($0.0) }.map(\.1)
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
    /// W3C trace context of the call (`traceparent`, and `tracestate` when there is one)
    /// for a bot to send upstream; empty when the gateway does not trace.
    public var traceHeaders: [String: String] = [:]

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
