/// A prompt-cache breakpoint (Anthropic's `cache_control`): the model service may cache the
/// prompt up to and including the part that carries it. Bots whose service has no such
/// markers ignore them (OpenAI-format services cache on their own, keyed by
/// `GenerationOptions.promptCacheKey`).
public struct CacheControl: Sendable, Equatable {
    /// `ephemeral`, the one type services define today.
    public var type: String
    /// How long the entry lives (`5m`, `1h`), when the client chose.
    public var ttl: String?

    public init(type: String = "ephemeral", ttl: String? = nil) {
        self.type = type
        self.ttl = ttl
    }

    /// Reads `{"type": "ephemeral"}` with an optional `"ttl": "5m" | "1h"`; nil for anything else.
    public init?(json: JSONValue) {
        guard case .object(let fields) = json, fields["type"] == .string("ephemeral"),
            fields.keys.allSatisfy({ $0 == "type" || $0 == "ttl" })
        else { return nil }
        switch fields["ttl"] {
        case nil, .null?: ttl = nil
        case .string(let value)? where value == "5m" || value == "1h": ttl = value
        default: return nil
        }
        type = "ephemeral"
    }

    /// The marker as Anthropic's API writes it.
    public var json: JSONValue {
        var object: JSONValue = ["type": .string(type)]
        if let ttl { object["ttl"] = .string(ttl) }
        return object
    }
}

/// One text block of a message's content, as the client split it, and whether the prompt
/// may be cached up to its end.
public struct TextBlock: Sendable, Equatable {
    public var text: String
    public var cache: CacheControl?

    public init(_ text: String, cache: CacheControl? = nil) {
        self.text = text
        self.cache = cache
    }
}
