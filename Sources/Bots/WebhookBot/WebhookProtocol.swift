import BotKit
import Foundation

/// The bot protocol, version 1 (`docs/bot-protocol.md`): what the gateway sends.
public enum WebhookProtocol {
    /// The version this gateway speaks, sent as `Bot-Protocol-Version`.
    public static let version = 1
    /// Where a webhook's health is probed, under its URL.
    public static let healthPath = "/health"

    /// The headers of a health probe; the secret, when set, as `Bot-Secret`.
    package static func healthHeaders(secret: String?) -> [String] {
        ["Bot-Protocol-Version: \(version)"] + (secret.map { ["Bot-Secret: \($0)"] } ?? [])
    }

    /// The request headers; the secret, when set, as `Bot-Secret`.
    package static func headers(requestID: String, secret: String?) -> [String] {
        var headers = [
            "Content-Type: application/json", "Accept: text/event-stream, application/x-ndjson",
            "Bot-Protocol-Version: \(version)", "X-Request-Id: \(requestID)",
        ]
        if let secret { headers.append("Bot-Secret: \(secret)") }
        return headers
    }

    /// The request body for one turn; `deadline_ms` is what remains of the deadline now.
    package static func body(_ request: BotRequest, requestID: String, now: ContinuousClock.Instant = .now) -> JSONValue {
        let remaining = max(0, (request.deadline - now) / .milliseconds(1))
        var body: JSONValue = [
            "protocol_version": .int(Int64(version)), "request_id": .string(requestID),
            "deadline_ms": .int(Int64(remaining.rounded(.down))),
            "messages": .array(request.messages.map(message)),
            "options": options(request.options),
        ]
        body["conversation_id"] = request.conversationID.map(JSONValue.string) ?? .null
        body["user_id"] = request.userID.map(JSONValue.string) ?? .null
        if request.options.tools.isEmpty == false {
            body["tools"] = .array(
                request.options.tools.map { tool in
                    var object: JSONValue = ["name": .string(tool.name), "parameters": tool.parameters]
                    if let description = tool.description { object["description"] = .string(description) }
                    return object
                })
            body["tool_choice"] = toolChoice(request.options.toolChoice)
        }
        return body
    }

    /// A message: its role, its content parts (text, then images), an assistant's tool
    /// calls, a tool result's call id.
    static func message(_ message: ChatMessage) -> JSONValue {
        var parts: [JSONValue] = message.content.isEmpty ? [] : [["type": "text", "text": .string(message.content)]]
        for image in message.images {
            switch image {
            case .url(let url): parts.append(["type": "image", "url": .string(url)])
            case .data(let mediaType, let base64):
                parts.append(["type": "image", "media_type": .string(mediaType), "data": .string(base64)])
            }
        }
        var object: JSONValue = ["role": .string(message.role.rawValue), "content": .array(parts)]
        if message.toolCalls.isEmpty == false {
            object["tool_calls"] = .array(
                message.toolCalls.map {
                    ["id": .string($0.id), "name": .string($0.name), "arguments": .string($0.arguments)]
                })
        }
        if let id = message.toolCallID { object["tool_call_id"] = .string(id) }
        return object
    }

    static func toolChoice(_ choice: ToolChoice) -> JSONValue {
        switch choice {
        case .auto: "auto"
        case .none: "none"
        case .required: "required"
        case .named(let name): ["name": .string(name)]
        }
    }

    /// The generation options that are set (absent members: the bot's own defaults).
    static func options(_ options: GenerationOptions) -> JSONValue {
        var object: [String: JSONValue] = [:]
        object["max_tokens"] = options.maxTokens.map { .int(Int64($0)) }
        object["temperature"] = options.temperature.map(JSONValue.double)
        object["top_p"] = options.topP.map(JSONValue.double)
        if options.stop.isEmpty == false { object["stop"] = .array(options.stop.map(JSONValue.string)) }
        object["seed"] = options.seed.map { .int(Int64($0)) }
        object["end_user"] = options.endUser.map(JSONValue.string)
        switch options.responseFormat {
        case .text: break
        case .jsonObject: object["response_format"] = ["type": "json_object"]
        case .jsonSchema(let name, let schema, let strict):
            object["response_format"] = [
                "type": "json_schema", "name": .string(name), "schema": schema, "strict": .bool(strict),
            ]
        }
        if options.extras.isEmpty == false { object["extras"] = .object(options.extras) }
        return .object(object)
    }
}
