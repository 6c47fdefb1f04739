import BotKit
import BotTransport

/// OpenAI's Chat Completions API (also vLLM, llama.cpp server, LM Studio, OpenRouter,
/// Groq, Together): `POST {base}/chat/completions`, SSE `data:` chunks ending in `[DONE]`.
struct OpenAIFormat: WireFormat {
    var healthPath: String { "/models" }

    func authHeaders(_ settings: HTTPBotSettings) -> [String] {
        settings.apiKey.map { ["Authorization: Bearer \($0)"] } ?? []
    }

    /// A message: its text, or text and `image_url` parts when it carries images; an
    /// assistant's tool calls; a tool result's call id.
    static func message(_ message: ChatMessage) -> JSONValue {
        var object: JSONValue = ["role": .string(message.role.rawValue), "content": .string(message.content)]
        if message.images.isEmpty == false {
            var parts: [JSONValue] = message.content.isEmpty ? [] : [["type": "text", "text": .string(message.content)]]
            parts += message.images.map { ["type": "image_url", "image_url": ["url": .string($0.url)]] }
            object["content"] = .array(parts)
        }
        if message.toolCalls.isEmpty == false {
            if message.content.isEmpty { object["content"] = .null }
            object["tool_calls"] = .array(
                message.toolCalls.map { call in
                    [
                        "id": .string(call.id), "type": "function",
                        "function": ["name": .string(call.name), "arguments": .string(call.arguments)],
                    ]
                })
        }
        if let id = message.toolCallID { object["tool_call_id"] = .string(id) }
        return object
    }

    /// The user named upstream: the gateway's user id, then the client's own end user (so a
    /// client cannot pose as another gateway user to the provider's abuse tracking).
    static func endUser(_ request: BotRequest) -> String? {
        switch (request.userID, request.options.endUser) {
        case (let id?, let end?): "\(id):\(end)"
        case (let id?, nil): id
        case (nil, let end?): end
        case (nil, nil): nil
        }
    }

    /// The client's pass-through members (only the bot's `EXTRAS` reach here), never over
    /// a member the gateway set.
    static func extras(_ extras: [String: JSONValue], into body: inout JSONValue) {
        for (name, value) in extras where body[name] == nil { body[name] = value }
    }

    /// `tools` and `tool_choice` in OpenAI's shape.
    static func tools(_ options: GenerationOptions, into body: inout JSONValue) {
        guard options.tools.isEmpty == false else { return }
        body["tools"] = .array(
            options.tools.map { tool in
                var function: JSONValue = ["name": .string(tool.name), "parameters": tool.parameters]
                if let description = tool.description { function["description"] = .string(description) }
                return ["type": "function", "function": function]
            })
        switch options.toolChoice {
        case .auto: break
        case .none: body["tool_choice"] = "none"
        case .required: body["tool_choice"] = "required"
        case .named(let name): body["tool_choice"] = ["type": "function", "function": ["name": .string(name)]]
        }
    }

    /// Tool-call pieces of a message or a chunk's delta (`tool_calls`).
    static func toolCalls(_ value: JSONValue?) -> [WireEvent] {
        guard case .array(let calls)? = value else { return [] }
        return calls.enumerated().map { position, call in
            .toolCall(
                ToolCallDelta(
                    index: call["index"]?.int ?? position, id: call["id"]?.string, name: call["function"]?["name"]?.string,
                    arguments: call["function"]?["arguments"]?.string ?? ""))
        }
    }

    func chatRequest(_ request: BotRequest, settings: HTTPBotSettings, stream: Bool) throws -> (
        path: String, headers: [String], body: [UInt8]
    ) {
        var body: JSONValue = [
            "model": .string(settings.model),
            "messages": .array(request.messages.map(Self.message)),
            "stream": .bool(stream),
        ]
        if stream { body["stream_options"] = ["include_usage": true] }
        if let maxTokens = settings.maxTokens(for: request) { body["max_tokens"] = .int(Int64(maxTokens)) }
        if let temperature = request.options.temperature ?? settings.temperature { body["temperature"] = .double(temperature) }
        if let topP = request.options.topP { body["top_p"] = .double(topP) }
        if request.options.stop.isEmpty == false { body["stop"] = .array(request.options.stop.map(JSONValue.string)) }
        if let seed = request.options.seed { body["seed"] = .int(Int64(seed)) }
        Self.tools(request.options, into: &body)
        Self.extras(request.options.extras, into: &body)
        switch request.options.responseFormat {
        case .text: break
        case .jsonObject: body["response_format"] = ["type": "json_object"]
        case .jsonSchema(let name, let schema, let strict):
            body["response_format"] = [
                "type": "json_schema", "json_schema": ["name": .string(name), "schema": schema, "strict": .bool(strict)],
            ]
        }
        if let user = Self.endUser(request) { body["user"] = .string(user) }
        if let key = request.options.promptCacheKey { body["prompt_cache_key"] = .string(key) }
        return (
            "/chat/completions",
            ["Content-Type: application/json", "Accept: " + (stream ? "text/event-stream" : "application/json")],
            body.jsonBytes
        )
    }

    func parser(stream: Bool) -> any ResponseParser {
        stream
            ? StreamParser()
            : WholeBodyParser { object in
                var events: [WireEvent] = []
                let choice = object["choices"]?[0]
                guard let message = choice?["message"], message.object != nil else {
                    throw WireError.malformed("no choices[0].message")
                }
                if let text = message["content"]?.string, text.isEmpty == false { events.append(.delta(text)) }
                events += Self.toolCalls(message["tool_calls"])
                if let reason = choice?["finish_reason"]?.string { events.append(.finish(FinishReason(rawValue: reason))) }
                if let usage = Self.usage(object["usage"]) { events.append(.usage(usage)) }
                events.append(.done)
                return events
            }
    }

    static func usage(_ usage: JSONValue?) -> TokenUsage? { WireUsage.openAI(usage) }

    struct StreamParser: ResponseParser {
        var lines = LineFramer()
        var sse = SSEDecoder()

        mutating func feed(_ bytes: [UInt8]) throws -> [WireEvent] {
            try lines.feed(bytes).flatMap { line in try sse.line(line).map(Self.decode) ?? [] }
        }

        mutating func finish() throws -> [WireEvent] {
            var events = try lines.flush().flatMap { try sse.line($0).map(Self.decode) } ?? []
            events += try sse.finish().map(Self.decode) ?? []
            return events
        }

        static func decode(_ event: SSEDecoder.Event) throws -> [WireEvent] {
            if event.data == "[DONE]" { return [.done] }
            let object = try UpstreamJSON.object(event.data)
            if let error = object["error"], error.object != nil {
                throw WireError.upstream(error["message"]?.string ?? "error event")
            }
            var events: [WireEvent] = []
            if let choice = object["choices"]?[0] {
                if let text = choice["delta"]?["content"]?.string, text.isEmpty == false { events.append(.delta(text)) }
                events += OpenAIFormat.toolCalls(choice["delta"]?["tool_calls"])
                if let reason = choice["finish_reason"]?.string { events.append(.finish(FinishReason(rawValue: reason))) }
            }
            if let usage = OpenAIFormat.usage(object["usage"]) { events.append(.usage(usage)) }
            return events
        }
    }
}
