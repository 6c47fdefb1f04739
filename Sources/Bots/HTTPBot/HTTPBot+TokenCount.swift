import BotKit
import BotTransport

extension HTTPBot {
    /// Anthropic's own count (`POST {base}/v1/messages/count_tokens`: the request's model,
    /// messages, system prompt and tools); nil for the other APIs, which have no such
    /// endpoint. One attempt, bounded like a chat call, failures as `BotError`s.
    public func countTokens(_ request: BotRequest) async throws -> Int? {
        guard settings.api == .anthropic else { return nil }
        let body = try AnthropicFormat.countBody(request, settings: settings)
        return try await exchange(path: "/v1/messages/count_tokens", body: body, deadline: request.deadline) { answer in
            guard let tokens = answer["input_tokens"]?.int, tokens >= 0 else { throw WireError.malformed("no input_tokens") }
            return min(tokens, Int(Int32.max))
        }
    }
}

extension AnthropicFormat {
    /// What Anthropic's count endpoint takes: the message request's model, messages, system
    /// prompt, tools and tool choice (no sampling, no limit, no stream).
    static func countBody(_ request: BotRequest, settings: HTTPBotSettings) throws -> JSONValue {
        var body: JSONValue = ["model": .string(settings.model), "messages": .array(try messages(request.messages))]
        if let system = system(request.messages) { body["system"] = system }
        tools(request.options, into: &body)
        return body
    }
}
