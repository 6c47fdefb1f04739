import BotKit
import NIOCore

/// A message in Anthropic's shapes: the whole `message` object, or its stream of events
/// (`message_start`, `content_block_start`, `content_block_delta`s, `content_block_stop`,
/// `message_delta` with the stop reason and usage, `message_stop`; `error` on a failure
/// after output). One text block, index 0.
struct MessageEvents: TurnEventFormat {
    let id: String
    let turn: ChatService.PreparedTurn

    var opening: ByteBuffer? { nil }

    /// The message as `POST /v1/messages` returns it without streaming.
    func message(_ result: ChatService.TurnResult) -> JSONValue {
        let usage = Quotas.usage(result.completion?.usage, messages: turn.messages, reply: result.text)
        return [
            "id": .string(id), "type": "message", "role": "assistant", "model": .string(result.bot),
            "content": [["type": "text", "text": .string(result.text)]],
            "stop_reason": .string(Self.stopReason(result.completion?.finishReason)), "stop_sequence": .null,
            "usage": ["input_tokens": .int(Int64(usage.inputTokens)), "output_tokens": .int(Int64(usage.outputTokens))],
        ]
    }

    func delta(_ piece: String, first: Bool) -> ByteBuffer {
        var buffer = first ? start() : ByteBuffer()
        buffer.writeImmutableBuffer(
            Self.event(
                "content_block_delta",
                ["type": "content_block_delta", "index": 0, "delta": ["type": "text_delta", "text": .string(piece)]]))
        return buffer
    }

    /// Tools are refused on this route (400) until they are carried here, so none arrive.
    func toolCall(_ piece: ToolCallDelta, first: Bool) -> ByteBuffer? { nil }

    func closing(_ result: ChatService.TurnResult, sentAny: Bool, ending: Bool) -> ByteBuffer? {
        if case .cancelled = result.outcome, ending == false { return nil }
        var buffer = sentAny ? ByteBuffer() : start()
        if ending {
            buffer.writeImmutableBuffer(notStored(StreamRegistry.Refused(reason: .shutdown).apiError))
        } else if let error = result.error {
            buffer.writeImmutableBuffer(Self.error(AnthropicError(OpenAIError.from(error))))
        } else {
            let usage = Quotas.usage(result.completion?.usage, messages: turn.messages, reply: result.text)
            buffer.writeImmutableBuffer(Self.event("content_block_stop", ["type": "content_block_stop", "index": 0]))
            buffer.writeImmutableBuffer(
                Self.event(
                    "message_delta",
                    [
                        "type": "message_delta",
                        "delta": [
                            "stop_reason": .string(Self.stopReason(result.completion?.finishReason)), "stop_sequence": .null,
                        ],
                        "usage": ["output_tokens": .int(Int64(usage.outputTokens))],
                    ]))
            buffer.writeImmutableBuffer(Self.event("message_stop", ["type": "message_stop"]))
        }
        return buffer
    }

    func notStored(_ error: APIError) -> ByteBuffer { Self.error(AnthropicError(OpenAIError.from(error))) }

    /// `message_start` and the text block's `content_block_start`.
    private func start() -> ByteBuffer {
        let input = Quotas.usage(nil, messages: turn.messages, reply: "").inputTokens
        var buffer = Self.event(
            "message_start",
            [
                "type": "message_start",
                "message": [
                    "id": .string(id), "type": "message", "role": "assistant", "model": .string(turn.bot.name), "content": [],
                    "stop_reason": .null, "stop_sequence": .null,
                    "usage": ["input_tokens": .int(Int64(input)), "output_tokens": 0],
                ],
            ])
        buffer.writeImmutableBuffer(
            Self.event(
                "content_block_start",
                ["type": "content_block_start", "index": 0, "content_block": ["type": "text", "text": ""]]))
        return buffer
    }

    /// Anthropic's name for why generation stopped.
    static func stopReason(_ reason: FinishReason?) -> String {
        switch reason?.rawValue {
        case "length": "max_tokens"
        case "tool_calls": "tool_use"
        case "stop_sequence": "stop_sequence"
        default: "end_turn"
        }
    }

    static func error(_ error: AnthropicError) -> ByteBuffer { event("error", error.body) }

    private static func event(_ name: String, _ payload: JSONValue) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString("event: \(name)\ndata: ")
        buffer.writeBytes(payload.jsonBytes)
        buffer.writeString("\n\n")
        return buffer
    }
}
