import BotKit
import Foundation
import GatewayCore
import GatewayDomain
import Hummingbird
import NIOCore

/// OpenAI's Responses API under `/v1/responses`, for every bot (the request is translated
/// into BotKit's, as on `/v1/chat/completions`, and billed, limited and logged the same):
/// `POST` answers (JSON, or typed SSE events with `stream: true`); a stored response
/// (`store`, the default) is one turn of a conversation, which `previous_response_id`
/// continues and `GET /api/v1/conversations` lists; `GET /v1/responses/{id}` reads it back,
/// `GET /v1/responses/{id}/input_items` lists its turn's input, `DELETE` removes it. Only
/// its owner reaches a response: anyone else's id is a 404.
package struct ResponsesController {
    package let intake: ModelCallIntake
    package let bearer: BearerAuthenticator
    package let errors: ErrorMiddleware

    package init(intake: ModelCallIntake, bearer: BearerAuthenticator, errors: ErrorMiddleware) {
        self.intake = intake
        self.bearer = bearer
        self.errors = errors
    }

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.group("/v1/responses").add(middleware: OpenAIErrorMiddleware(errors: errors)).add(middleware: bearer)
            .post(use: create)
            .get(":id", use: retrieve)
            .delete(":id", use: delete)
            .get(":id/input_items", use: inputItems)
    }

    @Sendable package func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (user, parsed) = try await intake.read(request, context: context) { try ResponsesRequest.parse($0, extras: $1) }
        let lease = try parsed.stream ? intake.streams.admit(userID: user.id, channel: context.channel) : nil
        let turn: ChatService.PreparedTurn
        do {
            turn = try await intake.chat.prepareResponse(
                userID: user.id, keyID: user.keyID, access: user.bots, bot: parsed.model, input: parsed.messages,
                previous: parsed.previous,
                store: parsed.store, options: parsed.options)
        } catch ChatError.responseNotFound {
            throw ResponseID.notFound(parsed.echo.previousResponseID ?? "", param: "previous_response_id")
        } catch ChatError.responseNotLatest {
            throw ResponsesRequest.invalid(
                "previous_response_id", "was continued already: only the latest response of a chain continues it")
        }
        let base = ResponseObject(
            id: turn.assistantMessageID, createdAt: Int(Date().timeIntervalSince1970), model: turn.bot.name,
            echo: parsed.echo)
        if let lease {
            return try await TurnStream.afterFirstOutput(
                intake.chat.start(turn), format: ResponseEvents(base: base, messages: turn.messages), lease: lease)
        }
        let result = try await intake.chat.answer(turn)
        if let error = result.error, result.partial == false { throw OpenAIError.from(error) }
        let usage = Quotas.usage(result.completion?.usage, messages: turn.messages, reply: result.text)
        let response = base.finished(
            answer: result.text, calls: result.toolCalls, bot: result.bot,
            finishReason: result.completion?.finishReason.rawValue, failure: result.error, usage: usage)
        return OpenAIController.json(bytes: response.jsonBytes)
    }

    @Sendable package func retrieve(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (id, stored) = try await stored(request, context)
        return OpenAIController.json(bytes: ResponseObject(stored: stored, id: id).jsonBytes)
    }

    @Sendable package func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let text = context.parameters.get("id") ?? ""
        guard let id = ResponseID.uuid(text), try await intake.chat.deleteResponse(id: id, userID: user.id) else {
            throw ResponseID.notFound(text)
        }
        return OpenAIController.json(try JSONValueEncoder.encode(ResponseDeleted(id: text)))
    }

    @Sendable package func inputItems(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (id, stored) = try await stored(request, context)
        let list = try ResponseInputItems(
            stored.input, responseID: ResponseID.string(id), query: request.uri.queryParameters)
        return OpenAIController.json(try JSONValueEncoder.encode(list, nulls: true))
    }

    /// The caller's stored response the path names; a 404 for any other id.
    private func stored(_ request: Request, _ context: AppRequestContext) async throws -> (UUID, StoredResponse) {
        let user = try context.requireUser()
        let text = context.parameters.get("id") ?? ""
        guard let id = ResponseID.uuid(text), let stored = try await intake.chat.storedResponse(id: id, userID: user.id)
        else { throw ResponseID.notFound(text) }
        return (id, stored)
    }
}

/// What `DELETE /v1/responses/{id}` answers.
package struct ResponseDeleted: Encodable, Sendable {
    package var id: String
    package var object = "response.deleted"
    package var deleted = true
}
