import BotKit
import Foundation
import GatewayCore
import GatewayDomain
import NIOCore

/// The chat API's Server-Sent Events (`event: <name>` and one `data:` line of JSON):
/// `start` with the turn's ids, a `delta` per piece of text (`tool_call` per piece of a
/// tool call), then `end` with the finish
/// reason and usage, or `error` (the bot failed, the turn was not stored, or shutdown).
package struct ChatEvents: TurnEventFormat {
    /// Only what the events name (each held stream keeps its format).
    package let conversationID: UUID
    package let messageID: UUID
    package let bot: String

    package init(turn: ChatService.PreparedTurn) {
        conversationID = turn.conversationID
        messageID = turn.assistantMessageID
        bot = turn.bot.name
    }

    package var opening: ByteBuffer? {
        Self.event(
            "start",
            [
                "conversation_id": .string(conversationID.lowercasedString),
                "message_id": .string(messageID.lowercasedString), "bot": .string(bot),
            ])
    }

    package func delta(_ piece: String, first: Bool) -> ByteBuffer { Self.event("delta", ["text": .string(piece)]) }

    /// `tool_call`: a piece of a call (`index`; `id` and `name` first, then `arguments`
    /// fragments that concatenate to the call's JSON arguments).
    package func toolCall(_ piece: ToolCallDelta, first: Bool) -> ByteBuffer? {
        var payload: [String: JSONValue] = ["index": .int(Int64(piece.index)), "arguments": .string(piece.arguments)]
        payload["id"] = piece.id.map(JSONValue.string)
        payload["name"] = piece.name.map(JSONValue.string)
        return Self.event("tool_call", .object(payload))
    }

    package func closing(_ result: ChatService.TurnResult, sentAny: Bool, ending: Bool) -> ByteBuffer? {
        if ending { return notStored(StreamRegistry.Refused(reason: .shutdown).apiError) }
        switch result.outcome {
        case .cancelled:
            return nil
        case .failed(let error):
            return Self.failure(code: error.code, message: result.text, suggestions: PoliteReply.suggestions)
        case .failedMidway(let error):
            return Self.failure(code: error.code, message: error.safeMessage)
        case .completed(let completion):
            var end: [String: JSONValue] = [
                "finish_reason": .string(completion.finishReason.rawValue), "bot": .string(result.bot),
            ]
            end["usage"] = completion.usage.map(Self.usage)
            return Self.event("end", .object(end))
        }
    }

    package func notStored(_ error: APIError) -> ByteBuffer {
        switch error.detail {
        case .message(let text): Self.failure(code: error.code, message: text)
        case .validation: Self.failure(code: error.code, message: "Request failed.")
        }
    }

    /// Usage as the chat API spells it (also in its JSON replies).
    package static func usage(_ usage: TokenUsage) -> JSONValue {
        ["input_tokens": .int(Int64(usage.inputTokens)), "output_tokens": .int(Int64(usage.outputTokens))]
    }

    private static func failure(code: String, message: String, suggestions: [String]? = nil) -> ByteBuffer {
        var payload: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        payload["suggestions"] = suggestions.map { .array($0.map(JSONValue.string)) }
        return event("error", .object(payload))
    }

    /// One named event: `event: <name>` and one `data:` line of JSON (also `/v1/messages`').
    package static func event(_ name: String, _ payload: JSONValue) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString("event: \(name)\ndata: ")
        buffer.writeBytes(payload.jsonBytes)
        buffer.writeString("\n\n")
        return buffer
    }
}
