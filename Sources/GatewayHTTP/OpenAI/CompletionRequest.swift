import BotKit
import GatewayCore
import GatewayDomain

/// A `POST /v1/chat/completions` body, checked field by field; problems are 400s in
/// OpenAI's shape naming the parameter. Nothing is dropped: a parameter the gateway does
/// not know is a 400, and input needing a capability (images, tools, structured output)
/// is checked against the bot's when the turn is prepared (`TurnPreparer`).
package struct CompletionRequest {
    package let model: String
    package let messages: [ChatMessage]
    package let options: GenerationOptions
    package let stream: Bool
    package let includeUsage: Bool

    /// The members the gateway reads (OpenAI's names).
    package static let shape = BodyShape(
        "ChatCompletionRequest",
        [
            "model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "stop", "seed", "user",
            "stream", "stream_options", "n", "tools", "tool_choice", "parallel_tool_calls", "response_format", "metadata",
            "store", "prompt_cache_key",
        ])

    /// `extras`: the members the bot `model` names takes through (`acceptedExtras`).
    package static func parse(_ raw: [String: JSONValue], extras accepted: (String) -> Set<String> = { _ in [] }) throws
        -> CompletionRequest
    {
        let body = ShapedBody(shape: shape, members: raw)
        let unknown = raw.keys.filter { shape.members.contains($0) == false }
        let extras = unknown.isEmpty ? [] : accepted(body["model"]?.string ?? "")
        if let refused = unknown.filter({ extras.contains($0) == false }).sorted().first { throw unrecognized(refused) }
        guard case .string(let model)? = body["model"], model.isEmpty == false else {
            throw invalid("model", "must be a non-empty string")
        }
        guard case .array(let items)? = body["messages"], items.isEmpty == false else {
            throw invalid("messages", "must be a non-empty array")
        }
        let messages = try items.enumerated().map { index, item in try message(item, index: index) }
        var options = try sampling(body)
        options.responseFormat = try responseFormat(body)
        (options.tools, options.toolChoice) = try tools(body)
        for name in unknown { options.extras[name] = raw[name] }
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
        return CompletionRequest(
            model: model, messages: messages, options: options, stream: stream, includeUsage: includeUsage)
    }

    private static func message(_ item: JSONValue, index: Int) throws -> ChatMessage {
        guard case .object(let fields) = item, case .string(let roleText)? = fields["role"] else {
            throw invalid("messages[\(index)]", "must be an object with a role")
        }
        var message = try content(fields, role: roleText, index: index)
        // A breakpoint after the whole message (its last part), as LiteLLM takes it.
        message.cache = try cacheControl(fields["cache_control"], at: "messages[\(index)].cache_control") ?? message.cache
        if roleText == "tool" {
            guard case .string(let id)? = fields["tool_call_id"], id.isEmpty == false else {
                throw invalid("messages[\(index)].tool_call_id", "must be the id of the call this result answers")
            }
            message.toolCallID = id
        }
        if let calls = fields["tool_calls"], calls != .null, calls != .array([]) {
            guard roleText == "assistant" else { throw invalid("messages[\(index)].tool_calls", "only an assistant calls tools") }
            message.toolCalls = try toolCalls(calls, at: "messages[\(index)].tool_calls")
        }
        return message
    }

    /// A message's role and content: a string, text (and image) parts, or null.
    private static func content(_ fields: [String: JSONValue], role roleText: String, index: Int) throws -> ChatMessage {
        let role: ChatRole
        switch roleText {
        case "system", "developer": role = .system
        case "user": role = .user
        case "assistant": role = .assistant
        case "tool": role = .tool
        default: throw invalid("messages[\(index)].role", "must be system, developer, user, assistant or tool")
        }
        switch fields["content"] {
        case .string(let text)?:
            return ChatMessage(role: role, content: text)
        case .array(let parts)?:
            var texts: [TextBlock] = []
            var images: [ImagePart] = []
            var cache: CacheControl?
            for (number, part) in parts.enumerated() {
                let at = "messages[\(index)].content[\(number)]"
                guard case .object(let p) = part, case .string(let type)? = p["type"] else {
                    throw invalid(at, "must be an object with a type")
                }
                // Anthropic's prompt-cache breakpoints, for bots whose service takes them.
                let marked = try cacheControl(p["cache_control"], at: at + ".cache_control")
                switch type {
                case "text":
                    guard case .string(let text)? = p["text"] else { throw invalid(at + ".text", "must be a string") }
                    texts.append(TextBlock(text, cache: marked))
                case "image_url":
                    guard case .object(let image)? = p["image_url"], case .string(let url)? = image["url"],
                        let parsed = ImagePart(url: url)
                    else { throw invalid(at + ".image_url.url", "must be an https URL or a base64 image data URL") }
                    images.append(parsed)
                    cache = marked ?? cache
                default: throw invalid(at + ".type", "must be text or image_url (not \(type))")
                }
            }
            guard images.isEmpty || role == .user else {
                throw invalid("messages[\(index)].content", "may hold image parts only in a user message")
            }
            return ChatMessage(role: role, blocks: texts, images: images, cache: cache)
        case .null?,
            nil where role == .assistant:
            return ChatMessage(role: role, content: "")
        default:
            throw invalid("messages[\(index)].content", "must be a string or an array of text parts")
        }
    }

    /// OpenAI's 400 for a member it does not know.
    package static func unrecognized(_ member: String) -> OpenAIError {
        OpenAIError(
            status: .badRequest, message: "Unrecognized request argument supplied: \(member)", type: "invalid_request_error",
            code: "invalid_request")
    }

    package static func invalid(_ parameter: String, _ problem: String) -> OpenAIError {
        OpenAIError(
            status: .badRequest, message: "`\(parameter)` \(problem).", type: "invalid_request_error", code: "invalid_request",
            param: parameter)
    }

    /// A `cache_control` (Anthropic's prompt-cache breakpoint, as LiteLLM and others take it
    /// on this API): absent, null, or `{"type": "ephemeral"}` with an optional `ttl`.
    package static func cacheControl(_ value: JSONValue?, at path: String) throws -> CacheControl? {
        guard let value, value != .null else { return nil }
        guard let cache = CacheControl(json: value) else {
            throw invalid(path, #"must be {"type": "ephemeral"} with an optional ttl of 5m or 1h"#)
        }
        return cache
    }
}
