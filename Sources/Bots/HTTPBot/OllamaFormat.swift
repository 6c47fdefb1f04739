import BotKit

/// Ollama's chat API: `POST {base}/api/chat`, streaming newline-delimited JSON objects,
/// the last with `"done": true` and the token counts.
struct OllamaFormat: WireFormat {
    var healthPath: String { "/api/tags" }

    func authHeaders(_ settings: HTTPBotSettings) -> [String] {
        settings.apiKey.map { ["Authorization: Bearer \($0)"] } ?? []
    }

    func chatRequest(_ request: BotRequest, settings: HTTPBotSettings, stream: Bool) throws -> (
        path: String, headers: [String], body: [UInt8]
    ) {
        var options: [String: Any] = [:]
        if let maxTokens = settings.maxTokens(for: request) { options["num_predict"] = maxTokens }
        if let temperature = request.options.temperature ?? settings.temperature { options["temperature"] = temperature }
        var body: [String: Any] = [
            "model": settings.model,
            "messages": request.messages.map { ["role": $0.role.rawValue, "content": $0.content] },
            "stream": stream,
        ]
        if options.isEmpty == false { body["options"] = options }
        return ("/api/chat", ["Content-Type: application/json"], try JSON.encode(body))
    }

    func parser(stream: Bool) -> any ResponseParser {
        stream ? StreamParser() : WholeBodyParser { try Self.decode($0) }
    }

    static func decode(_ object: [String: Any]) throws -> [WireEvent] {
        if let error = object["error"] as? String { throw WireError.upstream(error) }
        var events: [WireEvent] = []
        if let text = (object["message"] as? [String: Any])?["content"] as? String, text.isEmpty == false {
            events.append(.delta(text))
        }
        if object["done"] as? Bool == true {
            events.append(.finish(FinishReason(rawValue: object["done_reason"] as? String ?? "stop")))
            if let input = JSON.int(object["prompt_eval_count"]), let output = JSON.int(object["eval_count"]) {
                events.append(.usage(TokenUsage(inputTokens: input, outputTokens: output)))
            }
            events.append(.done)
        }
        return events
    }

    struct StreamParser: ResponseParser {
        var lines = LineFramer()

        mutating func feed(_ bytes: [UInt8]) throws -> [WireEvent] {
            try lines.feed(bytes).filter { $0.isEmpty == false }.flatMap { try OllamaFormat.decode(try JSON.object($0)) }
        }

        mutating func finish() throws -> [WireEvent] {
            guard let line = lines.flush(), line.isEmpty == false else { return [] }
            return try OllamaFormat.decode(try JSON.object(line))
        }
    }
}
