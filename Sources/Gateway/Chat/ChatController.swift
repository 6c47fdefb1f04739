import BotKit
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /api/v1/chat` (JSON, or Server-Sent Events with `Accept: text/event-stream`)
/// and `POST /api/v1/chat/stream` (always SSE).
struct ChatController {
    let service: ChatService
    let bearer: BearerAuthenticator
    let maxBodyBytes: Int
    let streams: StreamRegistry
    static let maxMessageCharacters = 4096

    struct ChatResponse: Encodable, Sendable {
        let response: String
        let conversation_id: String
        let bot: String
        let message_id: String
        let finish_reason: String?
        let usage: ServerSentEvent.Usage?
        let error: ErrorInfo?
        let suggestions: [String]?
    }

    struct ErrorInfo: Encodable, Sendable {
        let code: String
        let message: String
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.group("/api/v1/chat").add(middleware: bearer)
            .post { request, context in
                let wantsStream = request.headers[.accept]?.contains("text/event-stream") == true
                return try await chat(request, context: context, stream: wantsStream)
            }
            .post("stream") { request, context in try await chat(request, context: context, stream: true) }
    }

    func chat(_ request: Request, context: AppRequestContext, stream: Bool) async throws -> Response {
        let user = try context.requireUser()
        let body = try await RequestBody.collect(request, limit: maxBodyBytes)
        let fields = try Self.validatedFields(body)
        let lease = try stream ? streams.admit(userID: user.id, channel: context.channel) : nil
        let turn = try await service.prepare(
            .init(userID: user.id, message: fields.message, conversationID: fields.conversationID, bot: fields.bot))
        if let lease { return streamed(turn, lease: lease) }
        return try await collected(turn)
    }

    /// What a chat request asks.
    struct Fields {
        let message: String
        let conversationID: UUID?
        let bot: String?
    }

    /// The body's fields, with the contract's 422 details for anything off. One linear
    /// pass reads the body (`JSONReader`); the usual body costs no more than that.
    static func validatedFields(_ body: ByteBuffer) throws -> Fields {
        var validator = FieldValidator(try RequestBody.object(from: body))
        let message = Self.message(validator.requiredString("message"), &validator)
        let conversationID = Self.uuid("conversation_id", validator.optionalString("conversation_id"), &validator)
        let bot = validator.optionalString("bot")
        return Fields(message: try validator.finish(message), conversationID: conversationID, bot: bot)
    }

    /// Trims and checks the message with the contract's exact messages.
    static func message(_ raw: String?, _ validator: inout FieldValidator) -> String? {
        guard let raw else { return nil }
        let text = raw.trimmedWhitespace
        if text.isEmpty {
            validator.valueError("message", "Message must not be empty or whitespace.", input: raw)
            return nil
        }
        if text.count > maxMessageCharacters {
            validator.valueError(
                "message", "Message too long. Maximum allowed is 4096 characters. Please shorten your message.", input: raw)
            return nil
        }
        return text
    }

    static func uuid(_ field: String, _ raw: String?, _ validator: inout FieldValidator) -> UUID? {
        guard let raw else { return nil }
        guard let id = UUID(uuidString: raw) else {
            validator.issue(field, type: "uuid_parsing", "Input should be a valid UUID", input: .string(raw))
            return nil
        }
        return id
    }

    private func collected(_ turn: ChatService.PreparedTurn) async throws -> Response {
        let result = try await service.run(turn) { _ in }
        let body = ChatResponse(
            response: result.text, conversation_id: turn.conversationID.lowercasedString, bot: result.bot,
            message_id: turn.assistantMessageID.lowercasedString,
            finish_reason: result.completion?.finishReason.rawValue, usage: result.completion?.usage.map(Self.usage),
            error: result.error.map { ErrorInfo(code: $0.code, message: $0.safeMessage) },
            suggestions: result.error == nil ? nil : PoliteReply.suggestions)
        return try JSONResponse(body).response()
    }

    /// Server-Sent Events written straight from the turn: each write waits for the client
    /// (backpressure) at most the stream write timeout, and a failed write (client gone or
    /// stalled, or shutdown ending streams) cancels the bot; the turn is stored as partial.
    private func streamed(_ turn: ChatService.PreparedTurn, lease: StreamRegistry.Lease) -> Response {
        let service = self.service
        var headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                defer { lease.end() }
                try await lease.write(
                    ServerSentEvent.encode(
                        "start",
                        ServerSentEvent.Start(
                            conversation_id: turn.conversationID.lowercasedString,
                            message_id: turn.assistantMessageID.lowercasedString, bot: turn.bot.name)),
                    to: &writer)
                let result: ChatService.TurnResult
                do throws(ChatService.TurnNotStored) {
                    result = try await service.run(turn) { piece in
                        try await lease.write(
                            ServerSentEvent.encode("delta", ServerSentEvent.Delta(text: piece)), to: &writer)
                    }
                } catch {
                    // Not stored, so not acknowledged: no `end`, an `error` the client can retry on.
                    try await lease.write(
                        Self.failure(error.apiError), to: &writer, duringShutdown: true)
                    try await lease.finish(&writer)
                    return
                }
                if let last = Self.closing(result, ended: lease.mustEnd) {
                    try await lease.write(last, to: &writer, duringShutdown: true)
                }
                try await lease.finish(&writer)
            })
    }

    /// The stream's last event: `end`, or `error` for a failed bot or a shutdown; nil when
    /// the client is gone (its write failed), so there is no one to tell.
    static func closing(_ result: ChatService.TurnResult, ended: Bool) -> ByteBuffer? {
        if ended { return failure(StreamRegistry.Refused(reason: .shutdown).apiError) }
        switch result.outcome {
        case .cancelled:
            return nil
        case .failed(let error):
            return ServerSentEvent.encode(
                "error",
                ServerSentEvent.Failure(code: error.code, message: result.text, suggestions: PoliteReply.suggestions))
        case .failedMidway(let error):
            return ServerSentEvent.encode(
                "error", ServerSentEvent.Failure(code: error.code, message: error.safeMessage, suggestions: nil))
        case .completed(let completion):
            return ServerSentEvent.encode(
                "end",
                ServerSentEvent.End(
                    finish_reason: completion.finishReason.rawValue, usage: completion.usage.map(usage), bot: result.bot))
        }
    }

    /// An SSE `error` event carrying an error's message.
    static func failure(_ error: APIError) -> ByteBuffer {
        let message: String
        switch error.detail {
        case .message(let text): message = text
        case .validation: message = "Request failed."
        }
        return ServerSentEvent.encode("error", ServerSentEvent.Failure(code: error.code, message: message, suggestions: nil))
    }

    static func usage(_ usage: TokenUsage) -> ServerSentEvent.Usage {
        ServerSentEvent.Usage(input_tokens: usage.inputTokens, output_tokens: usage.outputTokens)
    }
}
