import BotKit
import BotTransport

extension AnthropicFormat {
    /// `system`: the system messages' text joined by blank lines, or — when one carries a
    /// cache breakpoint — their text blocks with every breakpoint where the client put it.
    static func system(_ messages: [ChatMessage]) -> JSONValue? {
        let system = messages.filter { $0.role == .system }
        guard system.contains(where: \.isCacheMarked) else {
            let text = system.map(\.content).joined(separator: "\n\n")
            return text.isEmpty ? nil : .string(text)
        }
        let blocks = system.flatMap { message in marked(textBlocks(message), message.cache) }
        return blocks.isEmpty ? nil : .array(blocks)
    }

    /// A message's text blocks, each with its breakpoint.
    static func textBlocks(_ message: ChatMessage) -> [JSONValue] {
        message.blocks.map { block in
            var text: JSONValue = ["type": "text", "text": .string(block.text)]
            if let cache = block.cache { text["cache_control"] = cache.json }
            return text
        }
    }

    /// `blocks` with `cache` (a breakpoint after the whole message) on the last one.
    static func marked(_ blocks: [JSONValue], _ cache: CacheControl?) -> [JSONValue] {
        guard let cache, blocks.isEmpty == false else { return blocks }
        var blocks = blocks
        blocks[blocks.count - 1]["cache_control"] = cache.json
        return blocks
    }

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
                var result: JSONValue = [
                    "type": "tool_result", "tool_use_id": .string(message.toolCallID ?? ""), "content": .string(message.content),
                ]
                // A marked text part of the result (chat completions' tool content) marks it.
                if let cache = message.cache ?? message.textBlocks.last(where: { $0.cache != nil })?.cache {
                    result["cache_control"] = cache.json
                }
                results.append(result)
                continue
            }
            flush()
            out.append(try Self.message(message))
        }
        flush()
        return out
    }

    /// A message: its text, or blocks — images, text, and an assistant's `tool_use`s (their
    /// arguments must be a JSON object) — with their cache breakpoints.
    static func message(_ message: ChatMessage) throws -> JSONValue {
        guard message.images.isEmpty == false || message.toolCalls.isEmpty == false || message.isCacheMarked else {
            return ["role": .string(message.role.rawValue), "content": .string(message.content)]
        }
        var blocks: [JSONValue] = message.images.map { image in
            switch image {
            case .url(let url): ["type": "image", "source": ["type": "url", "url": .string(url)]]
            case .data(let mediaType, let base64):
                ["type": "image", "source": ["type": "base64", "media_type": .string(mediaType), "data": .string(base64)]]
            }
        }
        blocks += textBlocks(message)
        for call in message.toolCalls {
            let input: JSONValue
            do { input = try UpstreamJSON.object(call.arguments) } catch {
                throw BotError.rejected("tool call arguments must be a JSON object")
            }
            blocks.append(["type": "tool_use", "id": .string(call.id), "name": .string(call.name), "input": input])
        }
        return ["role": .string(message.role.rawValue), "content": .array(marked(blocks, message.cache))]
    }

    /// `tools` (`input_schema`) and `tool_choice` in Anthropic's shape.
    static func tools(_ options: GenerationOptions, into body: inout JSONValue) {
        guard options.tools.isEmpty == false else { return }
        body["tools"] = .array(
            options.tools.map { tool in
                var definition: JSONValue = ["name": .string(tool.name), "input_schema": tool.parameters]
                if let description = tool.description { definition["description"] = .string(description) }
                if let cache = tool.cache { definition["cache_control"] = cache.json }
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
