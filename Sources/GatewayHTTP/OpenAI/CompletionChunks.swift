import BotKit
import GatewayCore
import GatewayDomain
import Hummingbird
import NIOCore

/// `/v1`'s chunks (`data:` lines of `chat.completion.chunk`, then `data: [DONE]`): the
/// assistant role rides with the first content (one write), then a finish chunk and,
/// with `stream_options.include_usage`, a usage chunk.
package struct CompletionChunks: TurnEventFormat {
    package let id: String
    package let created: Int
    package let includeUsage: Bool
    package let turn: ChatService.PreparedTurn

    package var opening: ByteBuffer? { nil }

    package func delta(_ piece: String, first: Bool) -> ByteBuffer {
        var buffer = first ? role : ByteBuffer()
        buffer.writeImmutableBuffer(chunk(["content": .string(piece)]))
        return buffer
    }

    package func toolCall(_ piece: ToolCallDelta, first: Bool) -> ByteBuffer? {
        var function: [String: JSONValue] = ["arguments": .string(piece.arguments)]
        if let name = piece.name { function["name"] = .string(name) }
        var call: [String: JSONValue] = ["index": .int(Int64(piece.index)), "function": .object(function)]
        if let id = piece.id {
            call["id"] = .string(id)
            call["type"] = "function"
        }
        var buffer = first ? role : ByteBuffer()
        buffer.writeImmutableBuffer(chunk(["tool_calls": [.object(call)]]))
        return buffer
    }

    package func closing(_ result: ChatService.TurnResult, sentAny: Bool, ending: Bool) -> ByteBuffer? {
        var buffer = sentAny ? ByteBuffer() : role
        if ending {
            buffer.writeImmutableBuffer(notStored(StreamRegistry.Refused(reason: .shutdown).apiError))
        } else if let error = result.error {
            buffer.writeImmutableBuffer(OpenAIController.errorEvent(OpenAIError.from(error)))
        } else if case .cancelled = result.outcome {
            return nil
        } else {
            buffer.writeImmutableBuffer(chunk([:], finish: result.completion?.finishReason.rawValue ?? "stop"))
            if includeUsage {
                let usage = Quotas.usage(result.completion?.usage, messages: turn.messages, reply: result.text)
                buffer.writeImmutableBuffer(
                    OpenAIController.event([
                        "id": .string(id), "object": "chat.completion.chunk", "created": .int(Int64(created)),
                        "model": .string(result.bot), "choices": [],
                        "usage": (try? JSONValueEncoder.encode(CompletionUsage(usage))) ?? .null,
                    ]))
            }
        }
        buffer.writeString("data: [DONE]\n\n")
        return buffer
    }

    package func notStored(_ error: APIError) -> ByteBuffer { OpenAIController.errorEvent(OpenAIError.from(error)) }

    /// The assistant role's chunk, sent with the first output.
    private var role: ByteBuffer { chunk(["role": "assistant", "content": ""]) }

    private func chunk(_ delta: JSONValue, finish: String? = nil) -> ByteBuffer {
        OpenAIController.event([
            "id": .string(id), "object": "chat.completion.chunk", "created": .int(Int64(created)),
            "model": .string(turn.bot.name),
            "choices": [["index": 0, "delta": delta, "finish_reason": finish.map { .string($0) } ?? .null]],
        ])
    }
}
