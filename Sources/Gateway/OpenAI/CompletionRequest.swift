import BotKit

/// A `POST /v1/chat/completions` body, checked field by field; problems are 400s in
/// OpenAI's shape naming the parameter.
struct CompletionRequest {
    let model: String
    let messages: [ChatMessage]
    let options: GenerationOptions
    let stream: Bool
    let includeUsage: Bool

    static func parse(_ body: [String: JSONValue]) throws -> CompletionRequest {
        guard case .string(let model)? = body["model"], model.isEmpty == false else {
            throw invalid("model", "must be a non-empty string")
        }
        guard case .array(let items)? = body["messages"], items.isEmpty == false else {
            throw invalid("messages", "must be a non-empty array")
        }
        let messages = try items.enumerated().map { index, item in try message(item, index: index) }
        var options = GenerationOptions()
        for key in ["max_tokens", "max_completion_tokens"] {
            guard let value = body[key], value != .null else { continue }
            guard let tokens = value.int, tokens >= 1, tokens <= 1_000_000 else {
                throw invalid(key, "must be a positive integer")
            }
            options.maxTokens = tokens
        }
        if let value = body["temperature"], value != .null {
            guard let number = value.double, (0...2).contains(number) else {
                throw invalid("temperature", "must be a number between 0 and 2")
            }
            options.temperature = number
        }
        var stream = false
        if let value = body["stream"], value != .null {
            guard case .bool(let flag) = value else { throw invalid("stream", "must be a boolean") }
            stream = flag
        }
        var includeUsage = false
        if case .object(let streamOptions)? = body["stream_options"], case .bool(let flag)? = streamOptions["include_usage"] {
            includeUsage = flag
        }
        return CompletionRequest(model: model, messages: messages, options: options, stream: stream, includeUsage: includeUsage)
    }

    private static func message(_ item: JSONValue, index: Int) throws -> ChatMessage {
        guard case .object(let fields) = item, case .string(let roleText)? = fields["role"] else {
            throw invalid("messages[\(index)]", "must be an object with a role")
        }
        let role: ChatRole
        switch roleText {
        case "system", "developer": role = .system
        case "user": role = .user
        case "assistant": role = .assistant
        default: throw invalid("messages[\(index)].role", "must be system, developer, user or assistant")
        }
        switch fields["content"] {
        case .string(let text)?:
            return ChatMessage(role: role, content: text)
        case .array(let parts)?:
            let texts = parts.compactMap { part -> String? in
                guard case .object(let p) = part, p["type"] == .string("text"), case .string(let text)? = p["text"] else {
                    return nil
                }
                return text
            }
            return ChatMessage(role: role, content: texts.joined(separator: "\n"))
        case .null?,
            nil where role == .assistant:
            return ChatMessage(role: role, content: "")
        default:
            throw invalid("messages[\(index)].content", "must be a string or an array of text parts")
        }
    }

    static func invalid(_ parameter: String, _ problem: String) -> OpenAIError {
        OpenAIError(
            status: .badRequest, message: "`\(parameter)` \(problem).", type: "invalid_request_error", code: "invalid_request")
    }
}
