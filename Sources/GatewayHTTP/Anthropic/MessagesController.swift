import BotKit
import Foundation
import GatewayCore
import GatewayDomain
import Hummingbird
import NIOCore

/// `POST /v1/messages`: Anthropic's Messages API as an ingress, so Anthropic's SDK (and
/// tools built on it) can use any configured bot. Authenticated by `x-api-key` or a
/// bearer token (API key or access token); `model` names the bot; errors in Anthropic's
/// shape. Nothing is stored unless the request carries `X-Conversation-Id`.
package struct MessagesController {
    package let chat: ChatService
    package let bots: BotDirectory
    package let bearer: BearerAuthenticator
    package let maxBodyBytes: Int
    package let streams: StreamRegistry
    package let errors: ErrorMiddleware

    package init(
        chat: ChatService, bots: BotDirectory, bearer: BearerAuthenticator, maxBodyBytes: Int, streams: StreamRegistry,
        errors: ErrorMiddleware
    ) {
        self.chat = chat
        self.bots = bots
        self.bearer = bearer
        self.maxBodyBytes = maxBodyBytes
        self.streams = streams
        self.errors = errors
    }

    package func addRoutes(to router: Router<AppRequestContext>) {
        var bearer = self.bearer
        bearer.acceptsAPIKeyHeader = true
        router.group("/v1/messages").add(middleware: AnthropicErrorMiddleware(errors: errors)).add(middleware: bearer)
            .post(use: messages)
    }

    @Sendable package func messages(_ request: Request, context: AppRequestContext) async throws -> Response {
        let intake = ModelCallIntake(chat: chat, bots: bots, streams: streams, maxBodyBytes: maxBodyBytes)
        let (_, turn, lease) = try await intake.prepare(request, context: context) { try MessagesRequest.parse($0, extras: $1) }
        let format = MessageEvents(id: "msg_" + turn.assistantMessageID.lowercasedString, turn: turn)
        if let lease {
            return try await TurnStream.afterFirstOutput(chat.start(turn), format: format, lease: lease)
        }
        let result = try await chat.answer(turn)
        // Anthropic's message has no way to say it was cut short: any failure is an error.
        if let error = result.error { throw error }
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: format.message(result).jsonBytes)))
    }
}
