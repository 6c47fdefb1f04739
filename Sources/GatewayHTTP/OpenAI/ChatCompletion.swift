import BotKit
import GatewayDomain

/// `POST /v1/chat/completions`' answer without streaming: OpenAI's `chat.completion`, one
/// choice. Written by `JSONValueEncoder`; `WireShapeUnitTests` holds `openapi.json`'s
/// `ChatCompletion` to it member by member.
package struct ChatCompletion: Encodable, Sendable {
    package var id: String
    package var object = "chat.completion"
    /// Unix time in seconds.
    package var created: Int
    /// The bot that answered (the fallback's name when it did).
    package var model: String
    package var choices: [Choice]
    package var usage: CompletionUsage

    package struct Choice: Encodable, Sendable {
        package var index = 0
        package var message: Message
        /// The bot's (`stop`, `length`, `tool_calls`, …), or `error` when it failed after output.
        package var finish_reason: String
    }

    package struct Message: Encodable, Sendable {
        package var role = "assistant"
        /// `null` on the wire when the bot only called tools.
        package var content: String?
        package var tool_calls: [FunctionCall]?

        private enum CodingKeys: String, CodingKey { case role, content, tool_calls }

        package func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(role, forKey: .role)
            try container.encode(content, forKey: .content)
            try container.encodeIfPresent(tool_calls, forKey: .tool_calls)
        }
    }

    package init(id: String, created: Int, result: ChatService.TurnResult, usage: TokenUsage) {
        self.id = id
        self.created = created
        model = result.bot
        var message = Message(content: result.text)
        if result.toolCalls.isEmpty == false {
            if result.text.isEmpty { message.content = nil }
            message.tool_calls = result.toolCalls.map(FunctionCall.init)
        }
        choices = [Choice(message: message, finish_reason: result.completion?.finishReason.rawValue ?? "error")]
        self.usage = CompletionUsage(usage)
    }
}

/// A tool call in OpenAI's shape.
package struct FunctionCall: Encodable, Sendable {
    package var id: String
    package var type = "function"
    package var function: Function

    package struct Function: Encodable, Sendable {
        package var name: String
        /// The arguments as the model wrote them: JSON text.
        package var arguments: String
    }

    package init(_ call: ToolCall) {
        id = call.id
        function = Function(name: call.name, arguments: call.arguments)
    }
}

/// Usage in OpenAI's terms (`/v1`'s answers and its streams' usage chunk), as the bot
/// reported it or estimated; cache hits and reasoning tokens when the upstream told them.
package struct CompletionUsage: Encodable, Sendable {
    package var prompt_tokens: Int
    package var completion_tokens: Int
    package var total_tokens: Int
    package var prompt_tokens_details: PromptDetails?
    package var completion_tokens_details: CompletionDetails?

    package struct PromptDetails: Encodable, Sendable { package var cached_tokens: Int }
    package struct CompletionDetails: Encodable, Sendable { package var reasoning_tokens: Int }

    package init(_ usage: TokenUsage) {
        prompt_tokens = usage.inputTokens
        completion_tokens = usage.outputTokens
        total_tokens = usage.totalTokens
        prompt_tokens_details = usage.cachedInputTokens.map(PromptDetails.init)
        completion_tokens_details = usage.reasoningTokens.map(CompletionDetails.init)
    }
}
