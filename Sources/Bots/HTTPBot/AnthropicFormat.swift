import BotKit

/// Anthropic's Messages API: `POST {base}/v1/messages` with `x-api-key` and
/// `anthropic-version`; the system prompt goes in `system`; streaming events
/// `message_start`, `content_block_delta`, `message_delta`, `message_stop`.
struct AnthropicFormat: WireFormat {
    var healthPath: String { "/v1/models" }

    func authHeaders(_ settings: HTTPBotSettings) -> [String] {
        (settings.apiKey.map { ["x-api-key: \($0)"] } ?? []) + ["anthropic-version: \(settings.anthropicVersion)"]
    }

    /// A message: its text, or image blocks then a text block when it carries images.
    static func message(_ message: ChatMessage) -> JSONValue {
        guard message.images.isEmpty == false else {
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
        return ["role": .string(message.role.rawValue), "content": .array(blocks)]
    }

    func chatRequest(_ request: BotRequest, settings: HTTPBotSettings, stream: Bool) throws -> (
        path: String, headers: [String], body: [UInt8]
    ) {
        let system = request.messages.filter { $0.role == .system }.map(\.content).joined(separator: "\n\n")
        var body: JSONValue = [
            "model": .string(settings.model),
            "messages": .array(
                request.messages.filter { $0.role != .system }.map(Self.message)),
            "max_tokens": .int(Int64(settings.maxTokens(for: request) ?? 1024)),
            "stream": .bool(stream),
        ]
        if system.isEmpty == false { body["system"] = .string(system) }
        if let temperature = request.options.temperature ?? settings.temperature { body["temperature"] = .double(temperature) }
        if let topP = request.options.topP { body["top_p"] = .double(topP) }
        if request.options.stop.isEmpty == false {
            body["stop_sequences"] = .array(request.options.stop.map(JSONValue.string))
        }
        // Anthropic has no seed; its `metadata.user_id` takes the end user.
        if let user = request.options.endUser { body["metadata"] = ["user_id": .string(user)] }
        return ("/v1/messages", ["Content-Type: application/json"], body.jsonBytes)
    }

    func parser(stream: Bool) -> any ResponseParser {
        stream
            ? StreamParser()
            : WholeBodyParser { object in
                guard let content = object["content"]?.array else { throw WireError.malformed("no content") }
                var events: [WireEvent] = []
                let text = content.compactMap { $0["type"]?.string == "text" ? $0["text"]?.string : nil }.joined()
                if text.isEmpty == false { events.append(.delta(text)) }
                if let reason = object["stop_reason"]?.string { events.append(.finish(Self.finishReason(reason))) }
                if let input = object["usage"]?["input_tokens"]?.int, let output = object["usage"]?["output_tokens"]?.int {
                    events.append(.usage(TokenUsage(inputTokens: input, outputTokens: output)))
                }
                events.append(.done)
                return events
            }
    }

    static func finishReason(_ reason: String) -> FinishReason {
        switch reason {
        case "end_turn", "stop_sequence": .stop
        case "max_tokens": .length
        default: FinishReason(rawValue: reason)
        }
    }

    struct StreamParser: ResponseParser {
        var lines = LineFramer()
        var sse = SSEDecoder()
        var inputTokens = 0

        mutating func feed(_ bytes: [UInt8]) throws -> [WireEvent] {
            var events: [WireEvent] = []
            for line in try lines.feed(bytes) {
                if let event = sse.line(line) { events += try decode(event) }
            }
            return events
        }

        mutating func finish() throws -> [WireEvent] {
            var events: [WireEvent] = []
            if let line = lines.flush(), let event = sse.line(line) { events += try decode(event) }
            if let event = sse.finish() { events += try decode(event) }
            return events
        }

        mutating func decode(_ event: SSEDecoder.Event) throws -> [WireEvent] {
            let object = try UpstreamJSON.object(event.data)
            switch object["type"]?.string ?? event.name {
            case "message_start":
                inputTokens = object["message"]?["usage"]?["input_tokens"]?.int ?? 0
                return []
            case "content_block_delta":
                guard let text = object["delta"]?["text"]?.string, text.isEmpty == false else { return [] }
                return [.delta(text)]
            case "message_delta":
                var events: [WireEvent] = []
                if let reason = object["delta"]?["stop_reason"]?.string {
                    events.append(.finish(AnthropicFormat.finishReason(reason)))
                }
                if let output = object["usage"]?["output_tokens"]?.int {
                    events.append(.usage(TokenUsage(inputTokens: inputTokens, outputTokens: output)))
                }
                return events
            case "message_stop":
                return [.done]
            case "error":
                throw WireError.upstream(object["error"]?["message"]?.string ?? "error event")
            default:
                return []
            }
        }
    }
}
