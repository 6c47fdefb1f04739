import BotKit

/// OpenAI's Chat Completions API (also vLLM, llama.cpp server, LM Studio, OpenRouter,
/// Groq, Together): `POST {base}/chat/completions`, SSE `data:` chunks ending in `[DONE]`.
struct OpenAIFormat: WireFormat {
    var healthPath: String { "/models" }

    func authHeaders(_ settings: HTTPBotSettings) -> [String] {
        settings.apiKey.map { ["Authorization: Bearer \($0)"] } ?? []
    }

    /// A message: its text, or text and `image_url` parts when it carries images.
    static func message(_ message: ChatMessage) -> JSONValue {
        guard message.images.isEmpty == false else {
            return ["role": .string(message.role.rawValue), "content": .string(message.content)]
        }
        var parts: [JSONValue] = message.content.isEmpty ? [] : [["type": "text", "text": .string(message.content)]]
        parts += message.images.map { ["type": "image_url", "image_url": ["url": .string($0.url)]] }
        return ["role": .string(message.role.rawValue), "content": .array(parts)]
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
        switch request.options.responseFormat {
        case .text: break
        case .jsonObject: body["response_format"] = ["type": "json_object"]
        case .jsonSchema(let name, let schema, let strict):
            body["response_format"] = [
                "type": "json_schema", "json_schema": ["name": .string(name), "schema": schema, "strict": .bool(strict)],
            ]
        }
        if let user = request.options.endUser ?? request.userID { body["user"] = .string(user) }
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
                if let reason = choice?["finish_reason"]?.string { events.append(.finish(FinishReason(rawValue: reason))) }
                if let usage = Self.usage(object["usage"]) { events.append(.usage(usage)) }
                events.append(.done)
                return events
            }
    }

    static func usage(_ usage: JSONValue?) -> TokenUsage? {
        guard let input = usage?["prompt_tokens"]?.int, let output = usage?["completion_tokens"]?.int else { return nil }
        return TokenUsage(inputTokens: input, outputTokens: output)
    }

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
                if let reason = choice["finish_reason"]?.string { events.append(.finish(FinishReason(rawValue: reason))) }
            }
            if let usage = OpenAIFormat.usage(object["usage"]) { events.append(.usage(usage)) }
            return events
        }
    }
}
