import BotKit
import BotTransport

/// Reads a webhook's answer: events as Server-Sent Events (each `data:` one JSON event)
/// or as newline-delimited JSON (each line one event), told apart per line, so either
/// framing works without a header. Strict about what the protocol fixes — a `type` on
/// every event, the members of known events, nothing after `completed` or `error`, one of
/// them at the end — and silent about the rest (unknown event types and members), so
/// later protocol versions stay readable.
package struct WebhookEventParser: ResponseParser {
    private var lines = LineFramer()
    private var sse = SSEDecoder()
    /// The terminal event seen (`completed` or `error`).
    package private(set) var ended: String?
    /// Tool calls (by index) whose first piece, with its id and name, has arrived.
    private var calls: Set<Int> = []

    package init() {}

    package mutating func feed(_ bytes: [UInt8]) throws -> [WireEvent] {
        try lines.feed(bytes).flatMap { try line($0) }
    }

    package mutating func finish() throws -> [WireEvent] {
        var events = try lines.flush().map { try line($0) } ?? []
        if let last = sse.finish() { events += try event(last.data) }
        guard ended != nil else { throw WireError.malformed("the stream ended without a `completed` or `error` event") }
        return events
    }

    /// SSE field names a line may start with (besides a `:` comment or a blank line).
    private static let sseFields = ["data", "event", "id", "retry"]

    private mutating func line(_ line: String) throws -> [WireEvent] {
        if line.first == "{" { return try event(line) }
        let field = line.prefix { $0 != ":" }
        guard line.isEmpty || line.first == ":" || Self.sseFields.contains(String(field)) else {
            throw WireError.malformed("a line that is neither a JSON event nor an SSE field: \(line.prefix(40).debugDescription)")
        }
        guard let dispatched = sse.line(line) else { return [] }
        return try event(dispatched.data)
    }

    /// One event's JSON text.
    mutating func event(_ text: String) throws -> [WireEvent] {
        let event = try UpstreamJSON.object(text)
        guard let type = event["type"]?.string else { throw WireError.malformed("an event without a string `type`") }
        if let ended { throw WireError.malformed("a `\(type)` event after `\(ended)`") }
        let known = ["text-delta", "tool-call-delta", "completed", "error"]
        guard known.contains(type) else { return [] }
        switch type {
        case "text-delta":
            guard let text = event["text"]?.string else { throw WireError.malformed("`text-delta` without a string `text`") }
            return text.isEmpty ? [] : [.delta(text)]
        case "tool-call-delta":
            guard let index = event["index"]?.int, index >= 0, Self.optionalString(event["id"]),
                Self.optionalString(event["name"]), Self.optionalString(event["arguments"])
            else { throw WireError.malformed("`tool-call-delta` needs an `index` ≥ 0 and string `id`, `name`, `arguments`") }
            if calls.contains(index) == false {
                guard let id = event["id"]?.string, (1...256).contains(id.utf8.count), let name = event["name"]?.string,
                    (1...64).contains(name.utf8.count)
                else { throw WireError.malformed("a call's first `tool-call-delta` needs an `id` (1 to 256 bytes) and a `name`") }
                calls.insert(index)
            }
            return [
                .toolCall(
                    ToolCallDelta(
                        index: index, id: event["id"]?.string, name: event["name"]?.string,
                        arguments: event["arguments"]?.string ?? ""))
            ]
        case "completed":
            ended = type
            var events: [WireEvent] = [.finish(FinishReason(rawValue: event["finish_reason"]?.string ?? "stop"))]
            if let usage = event["usage"], usage != .null { events.append(.usage(try Self.usage(usage))) }
            return events + [.done]
        default:
            ended = type
            return [.failure(try Self.failure(event))]
        }
    }

    private static func optionalString(_ value: JSONValue?) -> Bool {
        value == nil || value == .null || value?.string != nil
    }

    static func usage(_ value: JSONValue) throws -> TokenUsage {
        guard let usage = WireUsage.webhook(value) else {
            throw WireError.malformed("`usage` needs `input_tokens` and `output_tokens` ≥ 0")
        }
        return usage
    }

    /// An `error` event as the `BotError` its code names.
    static func failure(_ event: JSONValue) throws -> BotError {
        let message = String((event["message"]?.string ?? "").prefix(200))
        switch event["code"]?.string {
        case "bot_unavailable": return .unavailable(message.isEmpty ? "the bot said it is unavailable" : message)
        case "bot_timeout": return .timeout
        case "bot_rate_limited":
            return .rateLimited(retryAfterSeconds: event["retry_after_seconds"]?.int.map { min(max($0, 0), 3600) })
        case "bot_rejected": return .rejected(message.isEmpty ? "the bot refused the request" : message)
        case "bot_upstream_error": return .upstreamFailure(status: 502)
        default:
            throw WireError.malformed(
                "`error` needs a `code` of bot_unavailable, bot_timeout, bot_rate_limited, bot_rejected or bot_upstream_error")
        }
    }
}
