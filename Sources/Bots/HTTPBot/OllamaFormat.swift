import BotKit
import BotTransport

/// Ollama's chat API: `POST {base}/api/chat`, streaming newline-delimited JSON objects,
/// the last with `"done": true` and the token counts.
struct OllamaFormat: WireFormat {
    var healthPath: String { "/api/tags" }

    func authHeaders(_ settings: HTTPBotSettings) -> [String] {
        settings.apiKey.map { ["Authorization: Bearer \($0)"] } ?? []
    }

    /// A message, its images as base64 (Ollama takes no image URLs: such a request is
    /// refused, since the gateway does not fetch URLs for a bot), an assistant's tool calls
    /// (arguments as objects).
    static func message(_ message: ChatMessage) throws -> JSONValue {
        var object: JSONValue = ["role": .string(message.role.rawValue), "content": .string(message.content)]
        if message.toolCalls.isEmpty == false {
            object["tool_calls"] = .array(
                try message.toolCalls.map { call in
                    let arguments: JSONValue
                    do { arguments = try UpstreamJSON.object(call.arguments) } catch {
                        throw BotError.rejected("tool call arguments must be a JSON object")
                    }
                    return ["function": ["name": .string(call.name), "arguments": arguments]]
                })
        }
        guard message.images.isEmpty == false else { return object }
        object["images"] = .array(
            try message.images.map { image in
                guard case .data(_, let base64) = image else {
                    throw BotError.rejected("Ollama takes images as base64 data only")
                }
                return .string(base64)
            })
        return object
    }

    func chatRequest(_ request: BotRequest, settings: HTTPBotSettings, stream: Bool) throws -> (
        path: String, headers: [String], body: [UInt8]
    ) {
        var options: [String: JSONValue] = [:]
        if let maxTokens = settings.maxTokens(for: request) { options["num_predict"] = .int(Int64(maxTokens)) }
        if let temperature = request.options.temperature ?? settings.temperature { options["temperature"] = .double(temperature) }
        if let topP = request.options.topP { options["top_p"] = .double(topP) }
        if request.options.stop.isEmpty == false { options["stop"] = .array(request.options.stop.map(JSONValue.string)) }
        if let seed = request.options.seed { options["seed"] = .int(Int64(seed)) }
        // Ollama's sampling parameters live in `options`: pass-through members go there.
        for (name, value) in request.options.extras where options[name] == nil { options[name] = value }
        var body: JSONValue = [
            "model": .string(settings.model),
            "messages": .array(try request.messages.map(Self.message)),
            "stream": .bool(stream),
        ]
        if options.isEmpty == false { body["options"] = .object(options) }
        if request.options.tools.isEmpty == false {
            // Ollama has no tool choice: a request that must call a tool cannot be served.
            guard request.options.toolChoice == .auto else {
                throw BotError.rejected("Ollama has no tool_choice: only auto is possible")
            }
            OpenAIFormat.tools(request.options, into: &body)
        }
        switch request.options.responseFormat {
        case .text: break
        case .jsonObject: body["format"] = "json"
        case .jsonSchema(_, let schema, _): body["format"] = schema
        }
        return ("/api/chat", ["Content-Type: application/json"], body.jsonBytes)
    }

    func parser(stream: Bool) -> any ResponseParser {
        stream
            ? StreamParser()
            : WholeBodyParser { object in
                var calls = 0
                return try Self.decode(object, calls: &calls)
            }
    }

    /// One response object; `calls` counts the tool calls so far (Ollama sends each whole,
    /// without an id: they are numbered `call_<n>`).
    static func decode(_ object: JSONValue, calls: inout Int) throws -> [WireEvent] {
        if let error = object["error"]?.string { throw WireError.upstream(error) }
        var events: [WireEvent] = []
        if let text = object["message"]?["content"]?.string, text.isEmpty == false { events.append(.delta(text)) }
        for call in object["message"]?["tool_calls"]?.array ?? [] {
            let arguments = String(decoding: (call["function"]?["arguments"] ?? [:]).jsonBytes, as: UTF8.self)
            events.append(
                .toolCall(
                    ToolCallDelta(
                        index: calls, id: "call_\(calls)", name: call["function"]?["name"]?.string, arguments: arguments)))
            calls += 1
        }
        if object["done"]?.bool == true {
            let reason = calls > 0 ? FinishReason.toolCalls : FinishReason(rawValue: object["done_reason"]?.string ?? "stop")
            events.append(.finish(reason))
            if let usage = WireUsage.ollama(object) { events.append(.usage(usage)) }
            events.append(.done)
        }
        return events
    }

    struct StreamParser: ResponseParser {
        var lines = LineFramer()
        var calls = 0

        mutating func feed(_ bytes: [UInt8]) throws -> [WireEvent] {
            var events: [WireEvent] = []
            for line in try lines.feed(bytes) where line.isEmpty == false {
                events += try OllamaFormat.decode(try UpstreamJSON.object(line), calls: &calls)
            }
            return events
        }

        mutating func finish() throws -> [WireEvent] {
            guard let line = lines.flush(), line.isEmpty == false else { return [] }
            return try OllamaFormat.decode(try UpstreamJSON.object(line), calls: &calls)
        }
    }
}
