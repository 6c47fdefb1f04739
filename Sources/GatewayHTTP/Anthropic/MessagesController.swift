import BotKit
import Foundation
import GatewayCore
import GatewayDomain
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /v1/messages`: Anthropic's Messages API as an ingress, so Anthropic's SDK (and
/// tools built on it) can use any configured bot. Authenticated by `x-api-key` or a
/// bearer token (API key or access token); `model` names the bot; errors in Anthropic's
/// shape. Nothing is stored unless the request carries `X-Conversation-Id`.
package struct MessagesController {
    /// What every model API does before the call (shared with `/v1`).
    package let intake: ModelCallIntake
    package let bearer: BearerAuthenticator
    package let errors: ErrorMiddleware

    package init(intake: ModelCallIntake, bearer: BearerAuthenticator, errors: ErrorMiddleware) {
        self.intake = intake
        self.bearer = bearer
        self.errors = errors
    }

    package func addRoutes(to router: Router<AppRequestContext>) {
        var bearer = self.bearer
        bearer.acceptsAPIKeyHeader = true
        router.group("/v1/messages").add(middleware: AnthropicErrorMiddleware(errors: errors)).add(middleware: bearer)
            .post(use: messages)
            .post("count_tokens", use: countTokens)
    }

    /// The header telling whether a token count is the model service's (`upstream`) or
    /// the gateway's estimate (`estimate`).
    package static let countSourceHeader = HTTPField.Name("X-Token-Count-Source")!

    /// `POST /v1/messages/count_tokens`: `{"input_tokens": n}` for a message request's
    /// model, messages, system prompt and tools; see `ChatService.countTokens`.
    @Sendable package func countTokens(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (user, parsed) = try await intake.read(request, context: context) {
            try MessagesRequest.parse($0, counting: true, extras: $1)
        }
        let (tokens, counted) = try await intake.chat.countTokens(
            userID: user.id, access: user.bots, bot: parsed.model, messages: parsed.messages, options: parsed.options)
        var response = OpenAIController.json(try JSONValueEncoder.encode(TokenCount(input_tokens: tokens)))
        response.headers[Self.countSourceHeader] = counted ? "upstream" : "estimate"
        return response
    }

    @Sendable package func messages(_ request: Request, context: AppRequestContext) async throws -> Response {
        let chat = intake.chat
        let (_, turn, lease) = try await intake.prepare(request, context: context) { try MessagesRequest.parse($0, extras: $1) }
        let format = MessageEvents(id: "msg_" + turn.assistantMessageID.lowercasedString, turn: turn)
        if let lease {
            return try await TurnStream.afterFirstOutput(chat.start(turn), format: format, lease: lease)
        }
        let result = try await chat.answer(turn)
        // Anthropic's message has no way to say it was cut short: any failure is an error.
        if let error = result.error { throw error }
        let usage = Quotas.usage(result.completion?.usage, messages: turn.messages, reply: result.text)
        return OpenAIController.json(try JSONValueEncoder.encode(AnthropicMessage(id: format.id, result: result, usage: usage)))
    }
}

/// What `POST /v1/messages/count_tokens` answers (Anthropic's shape).
package struct TokenCount: Encodable, Sendable {
    package var input_tokens: Int
}
