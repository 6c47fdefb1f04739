/// Tokens a call consumed, as counted by the bot (or estimated by it).
///
/// Counts come from upstreams and webhook bots, which may send anything: every count is
/// clamped to `0...TokenUsage.maximum` whenever it is set, so negative or huge numbers
/// can never trap a sum, a metric or a cost; cached input (read and written together) is at
/// most the input, reasoning at most the output.
public struct TokenUsage: Sendable, Equatable, Codable {
    /// More tokens than any model takes or writes in one call; sums of millions of calls
    /// stay far inside 64 bits.
    public static let maximum = 1 << 32

    public var inputTokens: Int { didSet { normalize() } }
    public var outputTokens: Int { didSet { normalize() } }
    /// Input tokens served from the upstream's prompt cache (part of `inputTokens`), when reported.
    public var cachedInputTokens: Int? { didSet { normalize() } }
    /// Input tokens the upstream wrote to its prompt cache (part of `inputTokens`, apart
    /// from `cachedInputTokens`), when reported: Anthropic prices them above plain input.
    public var cacheWriteInputTokens: Int? { didSet { normalize() } }
    /// Output tokens spent on hidden reasoning (part of `outputTokens`), when reported.
    public var reasoningTokens: Int? { didSet { normalize() } }

    public init(
        inputTokens: Int, outputTokens: Int, cachedInputTokens: Int? = nil, reasoningTokens: Int? = nil,
        cacheWriteInputTokens: Int? = nil
    ) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cachedInputTokens = cachedInputTokens
        self.reasoningTokens = reasoningTokens
        self.cacheWriteInputTokens = cacheWriteInputTokens
        normalize()
    }

    private enum CodingKeys: String, CodingKey {
        case inputTokens, outputTokens, cachedInputTokens, reasoningTokens, cacheWriteInputTokens
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            inputTokens: try c.decode(Int.self, forKey: .inputTokens),
            outputTokens: try c.decode(Int.self, forKey: .outputTokens),
            cachedInputTokens: try c.decodeIfPresent(Int.self, forKey: .cachedInputTokens),
            reasoningTokens: try c.decodeIfPresent(Int.self, forKey: .reasoningTokens),
            cacheWriteInputTokens: try c.decodeIfPresent(Int.self, forKey: .cacheWriteInputTokens))
    }

    /// A count as stored: within `0...maximum`.
    public static func clamped(_ count: Int) -> Int { min(max(count, 0), maximum) }

    /// Puts every count in range (a didSet does not call itself again on these writes).
    private mutating func normalize() {
        let input = Self.clamped(inputTokens)
        let output = Self.clamped(outputTokens)
        let cached = cachedInputTokens.map { min(Self.clamped($0), input) }
        let reasoning = reasoningTokens.map { min(Self.clamped($0), output) }
        let written = cacheWriteInputTokens.map { min(Self.clamped($0), input - (cached ?? 0)) }
        if input != inputTokens { inputTokens = input }
        if output != outputTokens { outputTokens = output }
        if cached != cachedInputTokens { cachedInputTokens = cached }
        if reasoning != reasoningTokens { reasoningTokens = reasoning }
        if written != cacheWriteInputTokens { cacheWriteInputTokens = written }
    }

    public var totalTokens: Int { inputTokens + outputTokens }
}

/// Why generation stopped: `stop` (natural end), `length` (token limit), or another
/// string the upstream reported.
public struct FinishReason: RawRepresentable, Sendable, Equatable, Hashable, Codable {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let stop = FinishReason(rawValue: "stop")
    public static let length = FinishReason(rawValue: "length")
    /// The model called tools and waits for their results.
    public static let toolCalls = FinishReason(rawValue: "tool_calls")
}

/// The end of a reply: always the last event of a successful stream, exactly once.
public struct BotCompletion: Sendable, Equatable {
    public var finishReason: FinishReason
    /// Nil when the bot could not tell.
    public var usage: TokenUsage?

    public init(finishReason: FinishReason = .stop, usage: TokenUsage? = nil) {
        self.finishReason = finishReason
        self.usage = usage
    }
}

/// What a bot's stream yields: text deltas and tool-call pieces, then one completion.
public enum BotEvent: Sendable, Equatable {
    case delta(String)
    case toolCall(ToolCallDelta)
    case completed(BotCompletion)
}

/// A whole reply: the collected stream.
public struct BotReply: Sendable, Equatable {
    public var text: String
    public var completion: BotCompletion
    /// The tools the model called, put together from their pieces.
    public var toolCalls: [ToolCall]

    public init(text: String, completion: BotCompletion, toolCalls: [ToolCall] = []) {
        self.text = text
        self.completion = completion
        self.toolCalls = toolCalls
    }

    /// The reply a stream's events make (what `reply(_:)` collects): the deltas before the
    /// completion, concatenated. Throws `upstreamFailure` when there is no completion.
    public init(collecting events: [BotEvent]) throws {
        var text = ""
        var calls = ToolCallAssembler()
        for event in events {
            switch event {
            case .delta(let piece): text += piece
            case .toolCall(let delta): calls.add(delta)
            case .completed(let completion):
                self.init(text: text, completion: completion, toolCalls: calls.calls)
                return
            }
        }
        throw BotError.upstreamFailure(status: 0)
    }
}
