import BotKit
import BoundedJSON
import GatewayDomain

/// `POST /v1/messages`' answer without streaming: Anthropic's `message`, a text block and a
/// `tool_use` block per tool the bot called. Written by `JSONValueEncoder`;
/// `WireShapeUnitTests` holds `openapi.json`'s `AnthropicMessage` to it member by member.
package struct AnthropicMessage: Encodable, Sendable {
    package var id: String
    package var type = "message"
    package var role = "assistant"
    package var model: String
    package var content: [Block]
    /// `end_turn`, `max_tokens`, `stop_sequence` or `tool_use`.
    package var stop_reason: String
    package var usage: Usage

    package enum Block: Encodable, Sendable {
        case text(String)
        case toolUse(id: String, name: String, input: JSONValue)

        private enum CodingKeys: String, CodingKey { case type, text, id, name, input }

        package func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .text(let text):
                try container.encode("text", forKey: .type)
                try container.encode(text, forKey: .text)
            case .toolUse(let id, let name, let input):
                try container.encode("tool_use", forKey: .type)
                try container.encode(id, forKey: .id)
                try container.encode(name, forKey: .name)
                try container.encode(input, forKey: .input)
            }
        }

        /// A tool call as a `tool_use` block: its arguments as the input object (`{}` when
        /// the model wrote no object).
        package init(_ call: ToolCall) {
            let input = (try? JSONReader.parse(Array(call.arguments.utf8))).flatMap { $0.object != nil ? $0 : nil }
            self = .toolUse(id: call.id, name: call.name, input: input ?? [:])
        }
    }

    /// Usage in Anthropic's terms: cache reads and writes apart from the other input tokens.
    package struct Usage: Encodable, Sendable {
        package var input_tokens: Int
        package var output_tokens: Int
        package var cache_read_input_tokens: Int?
        package var cache_creation_input_tokens: Int?

        package init(_ usage: TokenUsage) {
            input_tokens = usage.inputTokens - (usage.cachedInputTokens ?? 0) - (usage.cacheWriteInputTokens ?? 0)
            output_tokens = usage.outputTokens
            cache_read_input_tokens = usage.cachedInputTokens
            cache_creation_input_tokens = usage.cacheWriteInputTokens
        }
    }

    private enum CodingKeys: String, CodingKey { case id, type, role, model, content, stop_reason, stop_sequence, usage }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(type, forKey: .type)
        try container.encode(role, forKey: .role)
        try container.encode(model, forKey: .model)
        try container.encode(content, forKey: .content)
        try container.encode(stop_reason, forKey: .stop_reason)
        // Always null: no bot reports which stop sequence matched.
        try container.encodeNil(forKey: .stop_sequence)
        try container.encode(usage, forKey: .usage)
    }

    package init(id: String, result: ChatService.TurnResult, usage: TokenUsage) {
        self.id = id
        model = result.bot
        content = result.text.isEmpty == false || result.toolCalls.isEmpty ? [.text(result.text)] : []
        content += result.toolCalls.map(Block.init)
        stop_reason = Self.stopReason(result.completion?.finishReason)
        self.usage = Usage(usage)
    }

    /// Anthropic's name for why generation stopped.
    package static func stopReason(_ reason: FinishReason?) -> String {
        switch reason?.rawValue {
        case "length": "max_tokens"
        case "tool_calls": "tool_use"
        case "stop_sequence": "stop_sequence"
        default: "end_turn"
        }
    }
}
