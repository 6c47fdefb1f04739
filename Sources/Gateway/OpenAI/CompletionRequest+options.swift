import BotKit

extension CompletionRequest {
    /// `top_p`, `stop`, `seed`, `user`, `parallel_tool_calls` and `n` (1 only), each checked.
    static func sampling(_ body: [String: JSONValue]) throws -> GenerationOptions {
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
        switch present(body["parallel_tool_calls"]) {
        case nil, .bool?: break
        default: throw invalid("parallel_tool_calls", "must be a boolean")
        }
        if let value = present(body["n"]), value.int != 1 {
            throw invalid("n", "must be 1: one choice per request")
        }
        return options
    }

    /// Capabilities asked by `tools`, `tool_choice` and `response_format`.
    static func requestedCapabilities(_ body: [String: JSONValue]) throws -> BotCapabilities {
        var needs: BotCapabilities = []
        switch present(body["tools"]) {
        case nil: break
        case .array(let tools)?: if tools.isEmpty == false { needs.insert(.tools) }
        default: throw invalid("tools", "must be an array")
        }
        switch present(body["tool_choice"]) {
        case nil, .string("none")?, .string("auto")?: break
        default: needs.insert(.tools)
        }
        if try responseFormat(body) != .text { needs.insert(.structuredOutput) }
        return needs
    }

    /// `response_format`: `text`, `json_object`, or `json_schema` with a name and a schema.
    static func responseFormat(_ body: [String: JSONValue]) throws -> ResponseFormat {
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

    /// What the gateway can hand a bot beyond text today: images and structured output
    /// (tools are not carried yet, so a bot declaring them still gets a 400 for them).
    static let carried: BotCapabilities = [.images, .structuredOutput]

    /// Throws a 400 naming the capabilities `bot` lacks for this request.
    func check(against bot: BotDirectory.Entry) throws {
        let missing = needs.subtracting(bot.provider.capabilities.intersection(Self.carried))
        guard missing.isEmpty == false else { return }
        throw OpenAIError(
            status: .badRequest,
            message:
                "Model `\(bot.name)` does not support \(missing.names.joined(separator: ", ")) (its bot lacks the capability).",
            type: "invalid_request_error", code: "unsupported_capability")
    }

    private static func present(_ value: JSONValue?) -> JSONValue? { value == .null ? nil : value }
}
