import BotKit
import GatewayCore
import GatewayDomain

extension CompletionRequest {
    /// `top_p`, `stop`, `seed`, `user`, `prompt_cache_key`, `parallel_tool_calls` and `n` (1
    /// only), each checked.
    package static func sampling(_ body: ShapedBody) throws -> GenerationOptions {
        var options = GenerationOptions()
        if let value = present(body["top_p"]) {
            guard let number = value.double, (0...1).contains(number) else {
                throw invalid("top_p", "must be a number between 0 and 1")
            }
            options.topP = number
        }
        switch present(body["stop"]) {
        case nil: break
        case .string(let text)?: options.stop = [text]
        case .array(let items)? where items.count <= 4:
            options.stop = try items.map { item in
                guard case .string(let text) = item, text.isEmpty == false else {
                    throw invalid("stop", "must be a string or up to 4 non-empty strings")
                }
                return text
            }
        default: throw invalid("stop", "must be a string or up to 4 non-empty strings")
        }
        if let value = present(body["seed"]) {
            guard let seed = value.int else { throw invalid("seed", "must be an integer") }
            options.seed = Int(seed)
        }
        if let value = present(body["user"]) {
            guard case .string(let user) = value, user.count <= 256 else {
                throw invalid("user", "must be a string of at most 256 characters")
            }
            options.endUser = user
        }
        if let value = present(body["prompt_cache_key"]) {
            guard case .string(let key) = value, (1...1024).contains(key.count) else {
                throw invalid("prompt_cache_key", "must be a string of 1 to 1024 characters")
            }
            options.promptCacheKey = key
        }
        switch present(body["parallel_tool_calls"]) {
        case nil, .bool?: break
        default: throw invalid("parallel_tool_calls", "must be a boolean")
        }
        if let value = present(body["n"]), value.int != 1 {
            throw invalid("n", "must be 1: one choice per request")
        }
        return options
    }

    /// `tools` (functions: a name of letters, digits, `_` and `-`, up to 64; a description;
    /// a JSON Schema object of parameters) and `tool_choice`.
    package static func tools(_ body: ShapedBody) throws -> ([ToolDefinition], ToolChoice) {
        var tools: [ToolDefinition] = []
        switch present(body["tools"]) {
        case nil: break
        case .array(let items)?:
            tools = try items.enumerated().map { index, item in
                let at = "tools[\(index)]"
                guard case .object(let tool) = item, tool["type"] == .string("function"),
                    case .object(let function)? = tool["function"]
                else { throw invalid(at, "must be {\"type\": \"function\", \"function\": {…}}") }
                let name = try toolName(function["name"], at: at + ".function.name")
                var description: String?
                if let value = present(function["description"]) {
                    guard case .string(let text) = value else { throw invalid(at + ".function.description", "must be a string") }
                    description = text
                }
                let parameters = present(function["parameters"]) ?? ["type": "object", "properties": [:]]
                guard case .object = parameters else { throw invalid(at + ".function.parameters", "must be an object") }
                return ToolDefinition(
                    name: name, description: description, parameters: parameters,
                    cache: try cacheControl(tool["cache_control"], at: at + ".cache_control"))
            }
        default: throw invalid("tools", "must be an array")
        }
        let choice: ToolChoice
        switch present(body["tool_choice"]) {
        case nil, .string("auto")?: choice = .auto
        case .string("none")?: choice = .none
        case .string("required")?: choice = .required
        case .object(let named)? where named["type"] == .string("function"):
            choice = .named(try toolName(named["function"]?["name"], at: "tool_choice.function.name"))
        default: throw invalid("tool_choice", "must be none, auto, required or {\"type\": \"function\", …}")
        }
        if case .named(let name) = choice, tools.contains(where: { $0.name == name }) == false {
            throw invalid("tool_choice", "names a tool that is not in `tools`")
        }
        if choice == .required, tools.isEmpty { throw invalid("tool_choice", "is required but `tools` is empty") }
        return (tools, choice)
    }

    /// An assistant message's `tool_calls`: `[{id, type: function, function: {name, arguments}}]`.
    package static func toolCalls(_ value: JSONValue, at path: String) throws -> [ToolCall] {
        guard case .array(let items) = value else { throw invalid(path, "must be an array") }
        return try items.enumerated().map { index, item in
            let at = "\(path)[\(index)]"
            guard case .object(let call) = item, case .string(let id)? = call["id"], id.isEmpty == false,
                case .object(let function)? = call["function"], case .string(let arguments)? = function["arguments"]
            else { throw invalid(at, "must be {\"id\", \"type\": \"function\", \"function\": {\"name\", \"arguments\"}}") }
            return ToolCall(id: id, name: try toolName(function["name"], at: at + ".function.name"), arguments: arguments)
        }
    }

    private static func toolName(_ value: JSONValue?, at path: String) throws -> String {
        guard case .string(let name)? = value, ToolDefinition.isValidName(name) else {
            throw invalid(path, "must be 1 to 64 letters, digits, _ or -")
        }
        return name
    }

    /// `response_format`: `text`, `json_object`, or `json_schema` with a name and a schema.
    package static func responseFormat(_ body: ShapedBody) throws -> ResponseFormat {
        guard let value = present(body["response_format"]) else { return .text }
        guard case .object(let format) = value else { throw invalid("response_format", "must be an object") }
        switch format["type"] {
        case .string("text")?: return .text
        case .string("json_object")?: return .jsonObject
        case .string("json_schema")?:
            guard case .object(let spec)? = format["json_schema"], case .string(let name)? = spec["name"], name.isEmpty == false,
                name.count <= 64
            else { throw invalid("response_format.json_schema", "must be an object with a name of 1 to 64 characters") }
            let schema = spec["schema"] ?? [:]
            guard case .object = schema else { throw invalid("response_format.json_schema.schema", "must be an object") }
            var strict = false
            if let value = present(spec["strict"]) {
                guard case .bool(let flag) = value else {
                    throw invalid("response_format.json_schema.strict", "must be a boolean")
                }
                strict = flag
            }
            return .jsonSchema(name: name, schema: schema, strict: strict)
        default: throw invalid("response_format", "must be an object whose type is text, json_object or json_schema")
        }
    }

    private static func present(_ value: JSONValue?) -> JSONValue? { value == .null ? nil : value }
}
