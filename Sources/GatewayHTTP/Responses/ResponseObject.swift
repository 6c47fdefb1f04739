import BotKit
import BoundedJSON
import Foundation
import GatewayDomain

/// OpenAI's `response` object: what `POST /v1/responses` answers (and its stream's
/// lifecycle events carry), and what `GET /v1/responses/{id}` reads back. Written by
/// `JSONValueEncoder` with every member present (`null` when unset), as OpenAI's clients
/// expect; `WireShapeUnitTests` holds `openapi.json`'s `Response` to it.
package struct ResponseObject: Encodable, Sendable {
    package var id: String
    package var object = "response"
    /// Unix time in seconds.
    package var created_at: Int
    /// `in_progress`, `completed`, `incomplete` or `failed`.
    package var status: String
    package var error: ResponseFailure?
    package var incomplete_details: IncompleteDetails?
    package var instructions: String?
    package var max_output_tokens: Int?
    /// The bot that answered (the fallback's name when it did).
    package var model: String
    package var output: [OutputItem]
    package var parallel_tool_calls: Bool
    package var previous_response_id: String?
    package var store: Bool
    package var temperature: Double?
    package var text: JSONValue
    package var tool_choice: JSONValue
    package var tools: [JSONValue]
    package var top_p: Double?
    package var truncation = "disabled"
    package var usage: ResponseUsage?
    package var user: String?
    package var metadata: [String: String]
    /// The request's `prompt_cache_key` (not stored: null when read back).
    package var prompt_cache_key: String?

    package struct ResponseFailure: Encodable, Sendable {
        package var code: String
        package var message: String
    }

    package struct IncompleteDetails: Encodable, Sendable {
        /// `max_output_tokens` or `content_filter`.
        package var reason: String
    }

    /// An answer's beginning (no output, no usage): what the stream's first events carry.
    package init(id: UUID, createdAt: Int, model: String, echo: ResponseEcho) {
        self.id = ResponseID.string(id)
        created_at = createdAt
        status = "in_progress"
        self.model = model
        output = []
        instructions = echo.instructions
        max_output_tokens = echo.maxOutputTokens
        parallel_tool_calls = echo.parallelToolCalls
        previous_response_id = echo.previousResponseID
        store = echo.store
        temperature = echo.temperature
        text = echo.text
        tool_choice = echo.toolChoice
        tools = echo.tools
        top_p = echo.topP
        user = echo.user
        metadata = echo.metadata
        prompt_cache_key = echo.promptCacheKey
    }

    /// The same response, answered: its output, usage and how it ended.
    package func finished(
        answer: String, calls: [ToolCall], bot: String, finishReason: String?, failure: BotError?, usage: TokenUsage
    ) -> ResponseObject {
        var response = self
        response.model = bot
        response.output = OutputItem.items(for: id, text: answer, calls: calls, status: "completed")
        response.usage = ResponseUsage(usage)
        if let failure {
            response.status = "failed"
            response.error = ResponseFailure(code: "server_error", message: failure.safeMessage)
        } else if finishReason == FinishReason.length.rawValue {
            response.status = "incomplete"
            response.incomplete_details = IncompleteDetails(reason: "max_output_tokens")
        } else {
            response.status = "completed"
        }
        return response
    }

    /// A stored answer read back; its request's parameters are not stored, so they come
    /// back as their defaults.
    package init(stored: StoredResponse, id: UUID) {
        self.init(
            id: id, createdAt: Int(stored.createdAt.timeIntervalSince1970), model: stored.bot, echo: ResponseEcho())
        let failure: BotError? = stored.status == .ok ? nil : .upstreamFailure(status: 0)
        self = finished(
            answer: stored.answer.content, calls: stored.answer.toolCalls, bot: stored.bot, finishReason: stored.finishReason,
            failure: failure,
            usage: Quotas.usage(stored.usage, messages: stored.input, reply: stored.answer.content))
    }
}

/// One item of a response's output: the answer's text as a `message`, each tool call as a
/// `function_call` (ids derived from the response's, so a stream and a read agree).
package enum OutputItem: Encodable, Sendable {
    case message(id: String, status: String, text: String)
    case functionCall(id: String, status: String, callID: String, name: String, arguments: String)

    /// A text message unless the answer is tool calls alone, then a call per tool.
    package static func items(for responseID: String, text: String, calls: [ToolCall], status: String) -> [OutputItem] {
        var items: [OutputItem] = []
        if text.isEmpty == false || calls.isEmpty {
            items.append(.message(id: messageID(responseID), status: status, text: text))
        }
        for (index, call) in calls.enumerated() {
            items.append(
                .functionCall(
                    id: callID(responseID, index), status: status, callID: call.id, name: call.name, arguments: call.arguments))
        }
        return items
    }

    package static func messageID(_ responseID: String) -> String { "msg_" + responseID.dropFirst(5) }
    package static func callID(_ responseID: String, _ index: Int) -> String { "fc_\(responseID.dropFirst(5))_\(index)" }

    /// An `output_text` part.
    package static func textPart(_ text: String) -> JSONValue {
        ["type": "output_text", "text": .string(text), "annotations": []]
    }

    private enum CodingKeys: String, CodingKey { case id, type, status, role, content, call_id, name, arguments }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .message(let id, let status, let text):
            try container.encode(id, forKey: .id)
            try container.encode("message", forKey: .type)
            try container.encode(status, forKey: .status)
            try container.encode("assistant", forKey: .role)
            // Just added to a stream, a message has no part yet (`content_part.added` follows).
            let parts = status == "in_progress" && text.isEmpty ? [] : [Self.textPart(text)]
            try container.encode(parts, forKey: .content)
        case .functionCall(let id, let status, let callID, let name, let arguments):
            try container.encode(id, forKey: .id)
            try container.encode("function_call", forKey: .type)
            try container.encode(status, forKey: .status)
            try container.encode(callID, forKey: .call_id)
            try container.encode(name, forKey: .name)
            try container.encode(arguments, forKey: .arguments)
        }
    }
}

/// Usage in the Responses API's terms, as the bot reported it or estimated.
package struct ResponseUsage: Encodable, Sendable {
    package var input_tokens: Int
    package var input_tokens_details: InputDetails
    package var output_tokens: Int
    package var output_tokens_details: OutputDetails
    package var total_tokens: Int

    package struct InputDetails: Encodable, Sendable { package var cached_tokens: Int }
    package struct OutputDetails: Encodable, Sendable { package var reasoning_tokens: Int }

    package init(_ usage: TokenUsage) {
        input_tokens = usage.inputTokens
        input_tokens_details = InputDetails(cached_tokens: usage.cachedInputTokens ?? 0)
        output_tokens = usage.outputTokens
        output_tokens_details = OutputDetails(reasoning_tokens: usage.reasoningTokens ?? 0)
        total_tokens = usage.totalTokens
    }
}

/// The output items and usage as JSON values, for the stream's item events and the
/// response object's direct writer (`ResponseObject+bytes.swift`).
extension OutputItem {
    package var json: JSONValue {
        switch self {
        case .message(let id, let status, let text):
            [
                "id": .string(id), "type": "message", "status": .string(status), "role": "assistant",
                "content": .array(status == "in_progress" && text.isEmpty ? [] : [Self.textPart(text)]),
            ]
        case .functionCall(let id, let status, let callID, let name, let arguments):
            [
                "id": .string(id), "type": "function_call", "status": .string(status), "call_id": .string(callID),
                "name": .string(name), "arguments": .string(arguments),
            ]
        }
    }
}

extension ResponseUsage {
    package var json: JSONValue {
        [
            "input_tokens": .int(Int64(input_tokens)),
            "input_tokens_details": ["cached_tokens": .int(Int64(input_tokens_details.cached_tokens))],
            "output_tokens": .int(Int64(output_tokens)),
            "output_tokens_details": ["reasoning_tokens": .int(Int64(output_tokens_details.reasoning_tokens))],
            "total_tokens": .int(Int64(total_tokens)),
        ]
    }
}
