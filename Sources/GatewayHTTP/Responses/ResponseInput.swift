import BotKit
import GatewayCore
import GatewayDomain

/// The Responses API's input items, tools, tool choice and text format, read into BotKit's
/// request: a string is one user message; items are messages (`input_text`, `input_image`
/// and, for the assistant's turns, `output_text` parts), `function_call`s (joined to the
/// assistant message before them) and `function_call_output`s (tool messages). Other item
/// and part types are refused naming where they are, never dropped.
package enum ResponseInput {
    /// At most this many input items.
    package static let maxItems = 2048

    package static func messages(_ value: JSONValue?) throws -> [ChatMessage] {
        switch value {
        case .string(let text)?: return [ChatMessage(role: .user, content: text)]
        case .array(let items)? where (1...maxItems).contains(items.count):
            var messages: [ChatMessage] = []
            for (index, item) in items.enumerated() {
                let at = "input[\(index)]"
                guard case .object(let fields) = item else { throw invalid(at, "must be an object") }
                switch fields["type"]?.string ?? (fields["role"] != nil ? "message" : "") {
                case "message": messages.append(try message(fields, at: at))
                case "function_call":
                    let call = ToolCall(
                        id: try string(fields["call_id"], at: at + ".call_id"),
                        name: try string(fields["name"], at: at + ".name"),
                        arguments: try string(fields["arguments"], at: at + ".arguments", empty: true))
                    if let last = messages.indices.last, messages[last].role == .assistant {
                        messages[last].toolCalls.append(call)
                    } else {
                        messages.append(ChatMessage(role: .assistant, content: "", toolCalls: [call]))
                    }
                case "function_call_output":
                    messages.append(
                        ChatMessage(
                            role: .tool, content: try output(fields["output"], at: at + ".output"),
                            toolCallID: try string(fields["call_id"], at: at + ".call_id")))
                case let type:
                    throw invalid(
                        at + ".type", "must be message, function_call or function_call_output (not \(type.prefix(40)))")
                }
            }
            return messages
        default:
            throw invalid("input", "must be a string or an array of 1 to \(maxItems) items")
        }
    }

    private static func message(_ fields: [String: JSONValue], at: String) throws -> ChatMessage {
        let role: ChatRole
        switch fields["role"]?.string {
        case "user": role = .user
        case "system", "developer": role = .system
        case "assistant": role = .assistant
        default: throw invalid(at + ".role", "must be user, system, developer or assistant")
        }
        switch fields["content"] {
        case .string(let text)?: return ChatMessage(role: role, content: text)
        case .array(let parts)?:
            var texts: [TextBlock] = []
            var images: [ImagePart] = []
            var cache: CacheControl?
            for (number, part) in parts.enumerated() {
                let path = "\(at).content[\(number)]"
                guard case .object(let p) = part else { throw invalid(path, "must be an object") }
                // Anthropic's prompt-cache breakpoints, for bots whose service takes them.
                let marked = try CompletionRequest.cacheControl(p["cache_control"], at: path + ".cache_control")
                switch (p["type"]?.string, role) {
                case ("input_text", .user), ("input_text", .system), ("output_text", .assistant):
                    texts.append(TextBlock(try string(p["text"], at: path + ".text", empty: true), cache: marked))
                case ("input_image", .user):
                    guard case .string(let url)? = p["image_url"], let image = ImagePart(url: url) else {
                        throw invalid(path + ".image_url", "must be an https URL or a base64 image data URL")
                    }
                    images.append(image)
                    cache = marked ?? cache
                case ("refusal", .assistant):
                    texts.append(TextBlock(try string(p["refusal"], at: path + ".refusal", empty: true), cache: marked))
                default:
                    let expected =
                        role == .assistant ? "output_text or refusal" : "input_text" + (role == .user ? " or input_image" : "")
                    throw invalid(path + ".type", "must be \(expected) in a \(fields["role"]?.string ?? "") message")
                }
            }
            return ChatMessage(role: role, blocks: texts, images: images, cache: cache)
        default: throw invalid(at + ".content", "must be a string or an array of parts")
        }
    }

    /// A function call's output: a string, or text parts.
    private static func output(_ value: JSONValue?, at: String) throws -> String {
        if case .string(let text)? = value { return text }
        guard case .array(let parts)? = value else { throw invalid(at, "must be a string or an array of input_text parts") }
        return try parts.enumerated().map { number, part in
            guard part["type"]?.string == "input_text" else {
                throw invalid("\(at)[\(number)].type", "must be input_text")
            }
            return try string(part["text"], at: "\(at)[\(number)].text", empty: true)
        }.joined(separator: "\n")
    }

    /// Function tools, flat as the Responses API writes them, and their echo.
    package static func tools(_ value: JSONValue?) throws -> ([ToolDefinition], [JSONValue]) {
        guard let value else { return ([], []) }
        guard case .array(let items) = value, items.count <= 128 else {
            throw invalid("tools", "must be an array of at most 128 function tools")
        }
        var tools: [ToolDefinition] = []
        var echo: [JSONValue] = []
        for (index, item) in items.enumerated() {
            let at = "tools[\(index)]"
            guard case .object(let tool) = item, tool["type"] == .string("function") else {
                throw invalid(at + ".type", "must be function: the gateway serves function tools")
            }
            guard case .string(let name)? = tool["name"], ToolDefinition.isValidName(name) else {
                throw invalid(at + ".name", "must be 1 to 64 letters, digits, _ or -")
            }
            var description: String?
            if let text = ResponsesRequest.present(tool["description"]) {
                guard case .string(let text) = text else { throw invalid(at + ".description", "must be a string") }
                description = text
            }
            let parameters = ResponsesRequest.present(tool["parameters"]) ?? ["type": "object", "properties": [:]]
            guard case .object = parameters else { throw invalid(at + ".parameters", "must be a JSON Schema object") }
            let strict = ResponsesRequest.present(tool["strict"])
            guard strict == nil || strict?.bool != nil else { throw invalid(at + ".strict", "must be a boolean") }
            tools.append(
                ToolDefinition(
                    name: name, description: description, parameters: parameters,
                    cache: try CompletionRequest.cacheControl(tool["cache_control"], at: at + ".cache_control")))
            echo.append([
                "type": "function", "name": .string(name), "description": description.map(JSONValue.string) ?? .null,
                "parameters": parameters, "strict": strict ?? .bool(false),
            ])
        }
        return (tools, echo)
    }

    /// `auto`, `none`, `required` or `{"type": "function", "name": …}` naming a given tool.
    package static func toolChoice(_ value: JSONValue?, tools: [ToolDefinition]) throws -> (ToolChoice, JSONValue) {
        switch value {
        case nil, .string("auto")?: return (.auto, "auto")
        case .string("none")?: return (.none, "none")
        case .string("required")?: return (.required, "required")
        case .object(let choice)? where choice["type"] == .string("function"):
            guard case .string(let name)? = choice["name"], tools.contains(where: { $0.name == name }) else {
                throw invalid("tool_choice.name", "must name one of the given tools")
            }
            return (.named(name), ["type": "function", "name": .string(name)])
        default:
            throw invalid("tool_choice", "must be auto, none, required or {\"type\": \"function\", \"name\": …}")
        }
    }

    /// `text.format`: `text`, `json_object`, or `json_schema` with a name and a schema.
    package static func textFormat(_ value: JSONValue?) throws -> (ResponseFormat, JSONValue) {
        guard let value else { return (.text, ["format": ["type": "text"]]) }
        guard case .object(let text) = value else { throw invalid("text", "must be an object") }
        if let extra = text.keys.sorted().first(where: { $0 != "format" }) {
            throw invalid("text.\(extra)", "is not a parameter the gateway serves")
        }
        guard let format = ResponsesRequest.present(text["format"]) else { return (.text, ["format": ["type": "text"]]) }
        switch format["type"]?.string {
        case "text": return (.text, ["format": ["type": "text"]])
        case "json_object": return (.jsonObject, ["format": ["type": "json_object"]])
        case "json_schema":
            guard case .string(let name)? = format["name"], (1...64).contains(name.count) else {
                throw invalid("text.format.name", "must be a string of 1 to 64 characters")
            }
            guard case .object = format["schema"] ?? .null else { throw invalid("text.format.schema", "must be an object") }
            let strict = ResponsesRequest.present(format["strict"])
            guard strict == nil || strict?.bool != nil else { throw invalid("text.format.strict", "must be a boolean") }
            var echo: [String: JSONValue] = [
                "type": "json_schema", "name": .string(name), "schema": format["schema"]!, "strict": strict ?? .bool(false),
            ]
            if case .string(let description)? = format["description"] { echo["description"] = .string(description) }
            return (.jsonSchema(name: name, schema: format["schema"]!, strict: strict?.bool ?? false), ["format": .object(echo)])
        default:
            throw invalid("text.format.type", "must be text, json_object or json_schema")
        }
    }

    private static func string(_ value: JSONValue?, at path: String, empty: Bool = false) throws -> String {
        guard case .string(let text)? = value, empty || text.isEmpty == false else {
            throw invalid(path, empty ? "must be a string" : "must be a non-empty string")
        }
        return text
    }

    private static func invalid(_ parameter: String, _ problem: String) -> OpenAIError {
        ResponsesRequest.invalid(parameter, problem)
    }
}
