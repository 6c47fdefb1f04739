import BotKit
import GatewayCore
import GatewayDomain

/// A `POST /v1/messages` body (Anthropic's Messages API), checked field by field; problems
/// are 400s naming the parameter. As on `/v1/chat/completions`, nothing is dropped: an
/// unknown member is a 400, and input needing a capability (images, tools) is checked
/// against the bot's when the turn is prepared (`TurnPreparer`). Content blocks are read by `Blocks`, tools by `tools(_:)`.
package struct MessagesRequest {
    package let model: String
    package let messages: [ChatMessage]
    package let options: GenerationOptions
    package let stream: Bool

    /// The members the gateway reads (Anthropic's names).
    package static let shape = BodyShape(
        "MessagesRequest",
        [
            "model", "messages", "max_tokens", "system", "stream", "temperature", "top_p", "stop_sequences", "metadata",
            "tools", "tool_choice",
        ])

    /// The body of `POST /v1/messages/count_tokens`: what a message request sends the
    /// model, without sampling, limit or stream.
    package static let countShape = BodyShape("CountTokensRequest", ["model", "messages", "system", "tools", "tool_choice"])

    /// `extras`: the members the bot `model` names takes through (`acceptedExtras`).
    /// `counting`: the body of a token count (`countShape`).
    package static func parse(
        _ raw: [String: JSONValue], counting: Bool = false, extras accepted: (String) -> Set<String> = { _ in [] }
    ) throws -> MessagesRequest {
        let shape = counting ? countShape : shape
        let body = ShapedBody(shape: shape, members: raw)
        let unknown = raw.keys.filter { shape.members.contains($0) == false }
        let extras = unknown.isEmpty ? [] : accepted(body["model"]?.string ?? "")
        if let refused = unknown.filter({ extras.contains($0) == false }).sorted().first {
            throw invalid("\(refused): Extra inputs are not permitted")
        }
        guard case .string(let model)? = body["model"], model.isEmpty == false else {
            throw invalid("model: Field required (a non-empty string)")
        }
        guard case .array(let items)? = body["messages"], items.isEmpty == false else {
            throw invalid("messages: Field required (a non-empty array)")
        }
        var messages: [ChatMessage] = []
        switch body["system"] {
        case nil, .null?: break
        case let value?:
            let blocks = try Blocks(value, at: "system")
            guard blocks.isTextOnly else { throw invalid("system: text blocks only") }
            messages.append(ChatMessage(role: .system, blocks: blocks.texts))
        }
        for (index, item) in items.enumerated() {
            guard case .object(let fields) = item, case .string(let role)? = fields["role"],
                role == "user" || role == "assistant",
                let content = fields["content"]
            else { throw invalid("messages.\(index): an object with role user or assistant and content") }
            let blocks = try Blocks(content, at: "messages.\(index).content")
            messages += try blocks.messages(role: role == "user" ? .user : .assistant)
        }
        var options = GenerationOptions()
        var stream = false
        if counting == false { try sampling(body, into: &options, stream: &stream) }
        (options.tools, options.toolChoice) = try tools(body)
        for name in unknown { options.extras[name] = raw[name] }
        return MessagesRequest(model: model, messages: messages, options: options, stream: stream)
    }

    /// `max_tokens` (required), `temperature`, `top_p`, `stop_sequences`, `metadata` and `stream`.
    private static func sampling(_ body: ShapedBody, into options: inout GenerationOptions, stream: inout Bool) throws {
        guard let maxTokens = body["max_tokens"]?.int, (1...1_000_000).contains(maxTokens) else {
            throw invalid("max_tokens: Field required (an integer from 1 to 1000000)")
        }
        options.maxTokens = maxTokens
        options.temperature = try number(body["temperature"], "temperature", 0...1)
        options.topP = try number(body["top_p"], "top_p", 0...1)
        switch body["stop_sequences"] {
        case nil, .null?: break
        case .array(let items)? where items.count <= 4:
            options.stop = try items.map { item in
                guard case .string(let text) = item, text.isEmpty == false else {
                    throw invalid("stop_sequences: up to 4 non-empty strings")
                }
                return text
            }
        default: throw invalid("stop_sequences: up to 4 non-empty strings")
        }
        switch body["metadata"] {
        case nil, .null?: break
        case .object(let metadata)?:
            if case .string(let user)? = metadata["user_id"] { options.endUser = String(user.prefix(256)) }
        default: throw invalid("metadata: an object")
        }
        switch body["stream"] {
        case nil, .null?: break
        case .bool(let flag)?: stream = flag
        default: throw invalid("stream: a boolean")
        }
    }

    private static func number(_ value: JSONValue?, _ name: String, _ range: ClosedRange<Double>) throws -> Double? {
        guard let value, value != .null else { return nil }
        guard let number = value.double, range.contains(number) else {
            throw invalid("\(name): a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// A 400 (rendered in Anthropic's shape by `AnthropicErrorMiddleware`).
    package static func invalid(_ message: String) -> OpenAIError {
        OpenAIError(status: .badRequest, message: message, type: "invalid_request_error", code: "invalid_request")
    }
}
