import BotKit
import Foundation
import GatewayCore
import GatewayDomain
import HTTPTypes
import Hummingbird
import NIOCore

/// OpenAI-compatible routes under `/v1`, authenticated by access token or API key:
/// `GET /v1/models` (the configured bots) and `POST /v1/chat/completions` (`model` names
/// the bot; JSON or `stream: true` SSE chunks ending with `data: [DONE]`). Nothing is
/// stored unless the request carries `X-Conversation-Id`.
package struct OpenAIController {
    /// What every model API does before the call (shared with `/v1/messages`).
    package let intake: ModelCallIntake
    package let bearer: BearerAuthenticator
    /// The gateway's error mapping, for errors `/v1` has no rendering of its own for.
    package let errors: ErrorMiddleware

    package init(intake: ModelCallIntake, bearer: BearerAuthenticator, errors: ErrorMiddleware) {
        self.intake = intake
        self.bearer = bearer
        self.errors = errors
    }

    package var chat: ChatService { intake.chat }
    package var bots: BotDirectory { intake.bots }
    package var maxBodyBytes: Int { intake.maxBodyBytes }

    package static let conversationHeader = HTTPField.Name("X-Conversation-Id")!

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.group("/v1").add(middleware: OpenAIErrorMiddleware(errors: errors)).add(middleware: bearer)
            .get("models") { _, context in
                // The bots the caller may call: a key limited to some lists only those.
                let access = try context.requireUser().bots
                return JSONResponse(
                    ModelList(
                        data: bots.entries(for: access).map { ModelList.Model(id: $0.name, owned_by: "gateway:\($0.kind)") }))
            }
            .post("chat/completions", use: completions)
            .post("embeddings", use: embeddings)
    }

    package struct ModelList: Encodable, Sendable {
        package struct Model: Encodable, Sendable {
            package let id: String
            package var object = "model"
            package var created = 0
            package let owned_by: String
        }
        package var object = "list"
        package let data: [Model]
    }

    @Sendable package func completions(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (parsed, turn, lease) = try await intake.prepare(request, context: context) {
            try CompletionRequest.parse($0, extras: $1)
        }
        let id = "chatcmpl-" + turn.assistantMessageID.lowercasedString
        let created = Int(Date().timeIntervalSince1970)
        if let lease {
            let format = CompletionChunks(id: id, created: created, includeUsage: parsed.includeUsage, turn: turn)
            return try await TurnStream.afterFirstOutput(chat.start(turn), format: format, lease: lease)
        }
        let result = try await chat.answer(turn)
        if let error = result.error, result.partial == false { throw OpenAIError.from(error) }
        let usage = Quotas.usage(result.completion?.usage, messages: turn.messages, reply: result.text)
        return Self.json(try JSONValueEncoder.encode(ChatCompletion(id: id, created: created, result: result, usage: usage)))
    }

    /// `X-Conversation-Id`, when sent (a 400 when it is not a UUID; each route's middleware
    /// renders it in its API's shape).
    package static func conversation(_ request: Request) throws -> UUID? {
        try request.headers[conversationHeader].map { text in
            guard let id = UUID(uuidString: text) else {
                throw OpenAIError(
                    status: .badRequest, message: "X-Conversation-Id must be a UUID.", type: "invalid_request_error",
                    code: "invalid_request")
            }
            return id
        }
    }

    package static func errorEvent(_ failure: OpenAIError) -> ByteBuffer {
        event(["error": ["message": .string(failure.message), "type": .string(failure.type), "code": .string(failure.code)]])
    }

    /// One data-only SSE event, written by BotKit's JSON writer (no Foundation on the hot path).
    package static func event(_ object: JSONValue) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString("data: ")
        buffer.writeBytes(object.jsonBytes)
        buffer.writeString("\n\n")
        return buffer
    }

    package static func json(_ object: JSONValue) -> Response { json(bytes: object.jsonBytes) }

    /// A 200 whose JSON body is already written.
    package static func json(bytes: [UInt8]) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
