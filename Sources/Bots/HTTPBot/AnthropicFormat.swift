import BotKit
import BotTransport

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
        var body: JSONValue = [
            "model": .string(settings.model),
            "messages": .array(try Self.messages(request.messages)),
            "max_tokens": .int(Int64(settings.maxTokens(for: request) ?? 1024)),
            "stream": .bool(stream),
        ]
        if let system = Self.system(request.messages) { body["system"] = system }
        if let temperature = request.options.temperature ?? settings.temperature { body["temperature"] = .double(temperature) }
        if let topP = request.options.topP { body["top_p"] = .double(topP) }
        if request.options.stop.isEmpty == false {
            body["stop_sequences"] = .array(request.options.stop.map(JSONValue.string))
        }
        // Anthropic has no seed; its `metadata.user_id` takes the end user.
        if let user = OpenAIFormat.endUser(request) { body["metadata"] = ["user_id": .string(user)] }
        Self.tools(request.options, into: &body)
        OpenAIFormat.extras(request.options.extras, into: &body)
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
                let uses = content.filter { $0["type"]?.string == "tool_use" }
                for (index, use) in uses.enumerated() {
                    let input = String(decoding: (use["input"] ?? [:]).jsonBytes, as: UTF8.self)
                    events.append(
                        .toolCall(ToolCallDelta(index: index, id: use["id"]?.string, name: use["name"]?.string, arguments: input))
                    )
                }
                if let reason = object["stop_reason"]?.string { events.append(.finish(Self.finishReason(reason))) }
                if let usage = Self.usage(object["usage"]) { events.append(.usage(usage)) }
                events.append(.done)
                return events
            }
    }

    static func usage(_ usage: JSONValue?) -> TokenUsage? { WireUsage.anthropic(usage) }

    static func finishReason(_ reason: String) -> FinishReason {
        switch reason {
        case "end_turn", "stop_sequence": .stop
        case "max_tokens": .length
        case "tool_use": .toolCalls
        default: FinishReason(rawValue: reason)
        }
    }

    struct StreamParser: ResponseParser {
        var lines = LineFramer()
        var sse = SSEDecoder()
        /// The input side, from `message_start`.
        var start: TokenUsage?
        /// Content block index → tool call index, for the blocks that are tool uses.
        var tools: [Int: Int] = [:]

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
                start = AnthropicFormat.usage(object["message"]?["usage"])
                return []
            case "content_block_start":
                guard let block = object["content_block"], block["type"]?.string == "tool_use",
                    let position = object["index"]?.int
                else { return [] }
                let index = tools.count
                tools[position] = index
                return [.toolCall(ToolCallDelta(index: index, id: block["id"]?.string, name: block["name"]?.string))]
            case "content_block_delta":
                if let fragment = object["delta"]?["partial_json"]?.string, let position = object["index"]?.int,
                    let index = tools[position]
                {
                    return fragment.isEmpty ? [] : [.toolCall(ToolCallDelta(index: index, arguments: fragment))]
                }
                guard let text = object["delta"]?["text"]?.string, text.isEmpty == false else { return [] }
                return [.delta(text)]
            case "message_delta":
                var events: [WireEvent] = []
                if let reason = object["delta"]?["stop_reason"]?.string {
                    events.append(.finish(AnthropicFormat.finishReason(reason)))
                }
                if let output = object["usage"]?["output_tokens"]?.int {
                    var usage = start ?? TokenUsage(inputTokens: 0, outputTokens: 0)
                    usage.outputTokens = output
                    events.append(.usage(usage))
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
