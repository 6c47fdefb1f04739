import BotKit
import BoundedJSON
import GatewayCore
import GatewayDomain
import NIOConcurrencyHelpers
import NIOCore

/// A message's stream of events in Anthropic's shapes (the whole message is
/// `AnthropicMessage`): (`message_start`; per content block `content_block_start`, `content_block_delta`s —
/// `text_delta` or a tool use's `input_json_delta` — and `content_block_stop`; then
/// `message_delta` with the stop reason and usage, `message_stop`; `error` on a failure
/// after output). Blocks follow the bot's output: a text block, then one block per tool
/// call (whose pieces arrive in order). One stream writes it, so its block state is
/// only ever touched by one task at a time.
package final class MessageEvents: TurnEventFormat, Sendable {
    package let id: String
    package let turn: ChatService.PreparedTurn
    /// The open block (its index and, for a tool use, its call's index) and the next index.
    private let blocks = NIOLockedValueBox<(open: (index: Int, tool: Int?)?, next: Int)>((nil, 0))

    package init(id: String, turn: ChatService.PreparedTurn) {
        self.id = id
        self.turn = turn
    }

    package var opening: ByteBuffer? { nil }

    package func delta(_ piece: String, first: Bool) -> ByteBuffer {
        var buffer = first ? start() : ByteBuffer()
        let index = textBlock(into: &buffer)
        buffer.writeImmutableBuffer(
            Self.event(
                "content_block_delta",
                [
                    "type": "content_block_delta", "index": .int(Int64(index)),
                    "delta": ["type": "text_delta", "text": .string(piece)],
                ]))
        return buffer
    }

    /// The block of tool call `tool` (nil: the text block): the open one when it is that
    /// block, else a new one, after the open one's `content_block_stop`.
    private func block(for tool: Int?, into buffer: inout ByteBuffer) -> (index: Int, opened: Bool) {
        let (index, closed, opened) = blocks.withLockedValue { state -> (Int, Int?, Bool) in
            if let open = state.open, open.tool == tool { return (open.index, nil, false) }
            let closed = state.open?.index
            state.open = (state.next, tool)
            state.next += 1
            return (state.open!.index, closed, true)
        }
        if let closed { buffer.writeImmutableBuffer(Self.stop(closed)) }
        return (index, opened)
    }

    /// The open text block's index, opening one (and closing a tool use's) when needed.
    private func textBlock(into buffer: inout ByteBuffer) -> Int {
        let (index, opened) = block(for: nil, into: &buffer)
        if opened {
            buffer.writeImmutableBuffer(
                Self.event(
                    "content_block_start",
                    ["type": "content_block_start", "index": .int(Int64(index)), "content_block": ["type": "text", "text": ""]]))
        }
        return index
    }

    package func toolCall(_ piece: ToolCallDelta, first: Bool) -> ByteBuffer? {
        var buffer = first ? start() : ByteBuffer()
        let (index, opened) = block(for: piece.index, into: &buffer)
        if opened {
            let use: JSONValue = [
                "type": "tool_use", "id": .string(piece.id ?? "toolu_\(piece.index)"), "name": .string(piece.name ?? ""),
                "input": [:],
            ]
            buffer.writeImmutableBuffer(
                Self.event(
                    "content_block_start", ["type": "content_block_start", "index": .int(Int64(index)), "content_block": use]))
        }
        if piece.arguments.isEmpty == false {
            buffer.writeImmutableBuffer(
                Self.event(
                    "content_block_delta",
                    [
                        "type": "content_block_delta", "index": .int(Int64(index)),
                        "delta": ["type": "input_json_delta", "partial_json": .string(piece.arguments)],
                    ]))
        }
        return buffer
    }

    package func closing(_ result: ChatService.TurnResult, sentAny: Bool, ending: Bool) -> ByteBuffer? {
        if case .cancelled = result.outcome, ending == false { return nil }
        var buffer = sentAny ? ByteBuffer() : start()
        if sentAny == false { _ = textBlock(into: &buffer) }
        if ending {
            buffer.writeImmutableBuffer(notStored(StreamRegistry.Refused(reason: .shutdown).apiError))
        } else if let error = result.error {
            buffer.writeImmutableBuffer(Self.error(AnthropicError(OpenAIError.from(error))))
        } else {
            let usage = Quotas.usage(result.completion?.usage, messages: turn.messages, reply: result.text)
            if let open = blocks.withLockedValue({ $0.open }) { buffer.writeImmutableBuffer(Self.stop(open.index)) }
            buffer.writeImmutableBuffer(
                Self.event(
                    "message_delta",
                    [
                        "type": "message_delta",
                        "delta": [
                            "stop_reason": .string(AnthropicMessage.stopReason(result.completion?.finishReason)),
                            "stop_sequence": .null,
                        ],
                        "usage": ["output_tokens": .int(Int64(usage.outputTokens))],
                    ]))
            buffer.writeImmutableBuffer(Self.event("message_stop", ["type": "message_stop"]))
        }
        return buffer
    }

    package func notStored(_ error: APIError) -> ByteBuffer { Self.error(AnthropicError(OpenAIError.from(error))) }

    /// `message_start`, before the first block.
    private func start() -> ByteBuffer {
        let input = Quotas.usage(nil, messages: turn.messages, reply: "").inputTokens
        return Self.event(
            "message_start",
            [
                "type": "message_start",
                "message": [
                    "id": .string(id), "type": "message", "role": "assistant", "model": .string(turn.bot.name), "content": [],
                    "stop_reason": .null, "stop_sequence": .null,
                    "usage": ["input_tokens": .int(Int64(input)), "output_tokens": 0],
                ],
            ])
    }

    package static func error(_ error: AnthropicError) -> ByteBuffer { event("error", error.body) }

    private static func stop(_ index: Int) -> ByteBuffer {
        event("content_block_stop", ["type": "content_block_stop", "index": .int(Int64(index))])
    }

    private static func event(_ name: String, _ payload: JSONValue) -> ByteBuffer { ChatEvents.event(name, payload) }
}
