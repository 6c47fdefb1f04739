import BotKit

/// Anthropic's Messages API: `POST {base}/v1/messages` with `x-api-key` and
/// `anthropic-version`; the system prompt goes in `system`; streaming events
/// `message_start`, `content_block_delta`, `message_delta`, `message_stop`.
struct AnthropicFormat: WireFormat {
    var healthPath: String { "/v1/models" }

    func authHeaders(_ settings: HTTPBotSettings) -> [String] {
        (settings.apiKey.map { ["x-api-key: \($0)"] } ?? []) + ["anthropic-version: \(settings.anthropicVersion)"]
    }

    func chatRequest(_ request: BotRequest, settings: HTTPBotSettings, stream: Bool) throws -> (
        path: String, headers: [String], body: [UInt8]
    ) {
        let system = request.messages.filter { $0.role == .system }.map(\.content).joined(separator: "\n\n")
        var body: [String: Any] = [
            "model": settings.model,
            "messages": request.messages.filter { $0.role != .system }.map { ["role": $0.role.rawValue, "content": $0.content] },
            "max_tokens": settings.maxTokens(for: request) ?? 1024,
            "stream": stream,
        ]
        if system.isEmpty == false { body["system"] = system }
        if let temperature = request.options.temperature ?? settings.temperature { body["temperature"] = temperature }
        return ("/v1/messages", ["Content-Type: application/json"], try JSON.encode(body))
    }

    func parser(stream: Bool) -> any ResponseParser {
        stream
            ? StreamParser()
            : WholeBodyParser { object in
                guard let content = object["content"] as? [[String: Any]] else { throw WireError.malformed("no content") }
                var events: [WireEvent] = []
                let text = content.compactMap { $0["type"] as? String == "text" ? $0["text"] as? String : nil }.joined()
                if text.isEmpty == false { events.append(.delta(text)) }
                if let reason = object["stop_reason"] as? String { events.append(.finish(Self.finishReason(reason))) }
                if let usage = object["usage"] as? [String: Any], let input = JSON.int(usage["input_tokens"]),
                    let output = JSON.int(usage["output_tokens"])
                {
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
            let object = try JSON.object(event.data)
            switch object["type"] as? String ?? event.name {
            case "message_start":
                let usage = (object["message"] as? [String: Any])?["usage"] as? [String: Any]
                inputTokens = JSON.int(usage?["input_tokens"]) ?? 0
                return []
            case "content_block_delta":
                let delta = object["delta"] as? [String: Any]
                guard let text = delta?["text"] as? String, text.isEmpty == false else { return [] }
                return [.delta(text)]
            case "message_delta":
                var events: [WireEvent] = []
                if let reason = (object["delta"] as? [String: Any])?["stop_reason"] as? String {
                    events.append(.finish(AnthropicFormat.finishReason(reason)))
                }
                if let output = JSON.int((object["usage"] as? [String: Any])?["output_tokens"]) {
                    events.append(.usage(TokenUsage(inputTokens: inputTokens, outputTokens: output)))
                }
                return events
            case "message_stop":
                return [.done]
            case "error":
                let error = object["error"] as? [String: Any]
                throw WireError.upstream(error?["message"] as? String ?? "error event")
            default:
                return []
            }
        }
    }
}
