import BotKit
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// OpenAI-compatible routes under `/v1`, authenticated by access token or API key:
/// `GET /v1/models` (the configured bots) and `POST /v1/chat/completions` (`model` names
/// the bot; JSON or `stream: true` SSE chunks ending with `data: [DONE]`). Nothing is
/// stored unless the request carries `X-Conversation-Id`.
struct OpenAIController {
    let chat: ChatService
    let bots: BotDirectory
    let bearer: BearerAuthenticator
    let maxBodyBytes: Int
    let streams: StreamRegistry
    /// The gateway's error mapping, for errors `/v1` has no rendering of its own for.
    let errors: ErrorMiddleware
    static let conversationHeader = HTTPField.Name("X-Conversation-Id")!

    func addRoutes(to router: Router<AppRequestContext>) {
        router.group("/v1").add(middleware: OpenAIErrorMiddleware(errors: errors)).add(middleware: bearer)
            .get("models") { _, context in
                _ = try context.requireUser()
                return JSONResponse(
                    ModelList(data: bots.entries.map { ModelList.Model(id: $0.name, owned_by: "gateway:\($0.kind)") }))
            }
            .post("chat/completions", use: completions)
    }

    struct ModelList: Encodable, Sendable {
        struct Model: Encodable, Sendable {
            let id: String
            var object = "model"
            var created = 0
            let owned_by: String
        }
        var object = "list"
        let data: [Model]
    }

    @Sendable func completions(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let parsed = try CompletionRequest.parse(try await RequestBody.object(request, limit: maxBodyBytes))
        let conversation = try request.headers[Self.conversationHeader].map { text in
            guard let id = UUID(uuidString: text) else {
                throw OpenAIError(
                    status: .badRequest, message: "X-Conversation-Id must be a UUID.", type: "invalid_request_error",
                    code: "invalid_request")
            }
            return id
        }
        let turn = try await chat.prepareCompletion(
            userID: user.id, bot: parsed.model, messages: parsed.messages, conversationID: conversation, options: parsed.options)
        let id = "chatcmpl-" + turn.assistantMessageID.lowercasedString
        let created = Int(Date().timeIntervalSince1970)
        if parsed.stream {
            let lease = try streams.admit(userID: user.id, channel: context.channel)
            return try await streamed(
                turn, id: id, created: created, includeUsage: parsed.includeUsage, lease: lease)
        }
        let result = try await chat.run(turn) { _ in }
        if let error = result.error, result.partial == false { throw OpenAIError.from(error) }
        let usage = Quotas.usage(result.completion?.usage, messages: turn.messages, reply: result.text)
        let body: [String: Any] = [
            "id": id, "object": "chat.completion", "created": created, "model": result.bot,
            "choices": [
                [
                    "index": 0, "message": ["role": "assistant", "content": result.text],
                    "finish_reason": result.completion?.finishReason.rawValue ?? "error",
                ]
            ],
            "usage": Self.usage(usage),
        ]
        return Self.json(body)
    }

    static func errorEvent(_ failure: OpenAIError) -> ByteBuffer {
        event(["error": ["message": failure.message, "type": failure.type, "code": failure.code]])
    }

    static func usage(_ usage: TokenUsage) -> [String: Int] {
        ["prompt_tokens": usage.inputTokens, "completion_tokens": usage.outputTokens, "total_tokens": usage.totalTokens]
    }

    static func event(_ object: [String: Any]) -> ByteBuffer {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return ByteBuffer(string: "data: " + String(decoding: data, as: UTF8.self) + "\n\n")
    }

    static func json(_ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
