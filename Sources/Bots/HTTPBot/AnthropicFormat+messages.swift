import BotKit
import BotTransport

extension AnthropicFormat {
    /// The conversation without its system messages: tool results (consecutive ones
    /// together) become a user message of `tool_result` blocks, as Anthropic requires.
    static func messages(_ messages: [ChatMessage]) throws -> [JSONValue] {
        var out: [JSONValue] = []
        var results: [JSONValue] = []
        func flush() {
            guard results.isEmpty == false else { return }
            out.append(["role": "user", "content": .array(results)])
            results = []
        }
        for message in messages where message.role != .system {
            if message.role == .tool {
                results.append([
                    "type": "tool_result", "tool_use_id": .string(message.toolCallID ?? ""), "content": .string(message.content),
                ])
                continue
            }
            flush()
            out.append(try Self.message(message))
        }
        flush()
        return out
    }

    /// A message: its text, or blocks — images, text, and an assistant's `tool_use`s (their
    /// arguments must be a JSON object).
    static func message(_ message: ChatMessage) throws -> JSONValue {
        guard message.images.isEmpty == false || message.toolCalls.isEmpty == false else {
            return ["role": .string(message.role.rawValue), "content": .string(message.content)]
        }
        var blocks: [JSONValue] = message.images.map { image in
            switch image {
            case .url(let url): ["type": "image", "source": ["type": "url", "url": .string(url)]]
            case .data(let mediaType, let base64):
                ["type": "image", "source": ["type": "base64", "media_type": .string(mediaType), "data": .string(base64)]]
            }
        }
        if message.content.isEmpty == false { blocks.append(["type": "text", "text": .string(message.content)]) }
        for call in message.toolCalls {
            let input: JSONValue
            do { input = try UpstreamJSON.object(call.arguments) } catch {
                throw BotError.rejected("tool call arguments must be a JSON object")
            }
            blocks.append(["type": "tool_use", "id": .string(call.id), "name": .string(call.name), "input": input])
        }
        return ["role": .string(message.role.rawValue), "content": .array(blocks)]
    }

    /// `tools` (`input_schema`) and `tool_choice` in Anthropic's shape.
    static func tools(_ options: GenerationOptions, into body: inout JSONValue) {
        guard options.tools.isEmpty == false else { return }
        body["tools"] = .array(
            options.tools.map { tool in
                var definition: JSONValue = ["name": .string(tool.name), "input_schema": tool.parameters]
                if let description = tool.description { definition["description"] = .string(description) }
                return definition
            })
        switch options.toolChoice {
        case .auto: break
        case .none: body["tool_choice"] = ["type": "none"]
        case .required: body["tool_choice"] = ["type": "any"]
        case .named(let name): body["tool_choice"] = ["type": "tool", "name": .string(name)]
        }
    }
}
