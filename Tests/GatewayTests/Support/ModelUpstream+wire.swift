import BotKit
import BoundedJSON

/// `ModelUpstream`'s answers in OpenAI's shape.
enum OpenAIWire {
    static func render(_ reply: ModelUpstream.Reply, stream: Bool) -> String {
        func json(_ value: JSONValue) -> String { String(decoding: value.jsonBytes, as: UTF8.self) }
        let usage: JSONValue = ["prompt_tokens": 9, "completion_tokens": 4, "prompt_tokens_details": ["cached_tokens": 3]]
        switch (reply, stream) {
        case (.text(let text), false):
            return json([
                "choices": [["message": ["role": "assistant", "content": .string(text)], "finish_reason": "stop"]],
                "usage": usage,
            ])
        case (.call(let name, let arguments), false):
            let call: JSONValue = [
                "id": "call_up", "type": "function", "function": ["name": .string(name), "arguments": .string(arguments)],
            ]
            return json([
                "choices": [
                    ["message": ["role": "assistant", "content": .null, "tool_calls": [call]], "finish_reason": "tool_calls"]
                ],
                "usage": usage,
            ])
        case (.text(let text), true):
            return "data: " + json(["choices": [["delta": ["content": .string(text)], "finish_reason": .null]]]) + "\n\n"
                + "data: " + json(["choices": [["delta": [:], "finish_reason": "stop"]]]) + "\n\n"
                + "data: " + json(["choices": [], "usage": usage]) + "\n\ndata: [DONE]\n\n"
        case (.call(let name, let arguments), true):
            let cut = arguments.index(arguments.startIndex, offsetBy: min(4, arguments.count))
            let first: JSONValue = [
                "index": 0, "id": "call_up", "type": "function",
                "function": ["name": .string(name), "arguments": .string(String(arguments[..<cut]))],
            ]
            let rest: JSONValue = ["index": 0, "function": ["arguments": .string(String(arguments[cut...]))]]
            return "data: " + json(["choices": [["delta": ["tool_calls": [first]], "finish_reason": .null]]]) + "\n\n"
                + "data: " + json(["choices": [["delta": ["tool_calls": [rest]], "finish_reason": .null]]]) + "\n\n"
                + "data: " + json(["choices": [["delta": [:], "finish_reason": "tool_calls"]]]) + "\n\ndata: [DONE]\n\n"
        }
    }
}

/// `ModelUpstream`'s answers in Anthropic's shape.
enum AnthropicWire {
    static func render(_ reply: ModelUpstream.Reply, stream: Bool, cached: Bool = false) -> String {
        func json(_ value: JSONValue) -> String { String(decoding: value.jsonBytes, as: UTF8.self) }
        func event(_ value: JSONValue) -> String { "event: \(value["type"]?.string ?? "")\ndata: \(json(value))\n\n" }
        var usage: JSONValue = ["input_tokens": 9, "output_tokens": 4]
        var start: JSONValue = ["input_tokens": 9, "output_tokens": 1]
        if cached {
            for key in ["cache_read_input_tokens", "cache_creation_input_tokens"] {
                usage[key] = key.hasPrefix("cache_read") ? 5 : 7
                start[key] = usage[key]
            }
        }
        switch (reply, stream) {
        case (.text(let text), false):
            return json(["content": [["type": "text", "text": .string(text)]], "stop_reason": "end_turn", "usage": usage])
        case (.call(let name, let arguments), false):
            let input = (try? JSONReader.parse(Array(arguments.utf8))) ?? [:]
            return json([
                "content": [["type": "tool_use", "id": "toolu_up", "name": .string(name), "input": input]],
                "stop_reason": "tool_use",
                "usage": usage,
            ])
        case (.text(let text), true):
            return event(["type": "message_start", "message": ["usage": start]])
                + event(["type": "content_block_delta", "index": 0, "delta": ["type": "text_delta", "text": .string(text)]])
                + event(["type": "message_delta", "delta": ["stop_reason": "end_turn"], "usage": ["output_tokens": 4]])
                + event(["type": "message_stop"])
        case (.call(let name, let arguments), true):
            return event(["type": "message_start", "message": ["usage": start]])
                + event([
                    "type": "content_block_start", "index": 0,
                    "content_block": ["type": "tool_use", "id": "toolu_up", "name": .string(name), "input": [:]],
                ])
                + event([
                    "type": "content_block_delta", "index": 0,
                    "delta": ["type": "input_json_delta", "partial_json": .string(arguments)],
                ])
                + event(["type": "message_delta", "delta": ["stop_reason": "tool_use"], "usage": ["output_tokens": 4]])
                + event(["type": "message_stop"])
        }
    }
}
