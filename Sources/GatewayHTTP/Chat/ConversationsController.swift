import Foundation
import GatewayCore
import GatewayDomain
import Hummingbird

/// `/api/v1/conversations`: a user's stored conversations.
package struct ConversationsController {
    package let conversations: any ConversationRepository
    package let bearer: BearerAuthenticator

    package init(conversations: any ConversationRepository, bearer: BearerAuthenticator) {
        self.conversations = conversations
        self.bearer = bearer
    }

    package struct Page: Encodable, Sendable {
        package let items: [ConversationSummary]
        package let next_cursor: String?
    }

    package struct Detail: Encodable, Sendable {
        package let id: String
        package let title: String
        package let bot: String
        package let created_at: Date
        package let updated_at: Date
        package let messages: [StoredMessage]
    }

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.group("/api/v1/conversations").add(middleware: bearer)
            .get(use: list)
            .get(":id", use: show)
            .delete(":id", use: delete)
    }

    @Sendable package func list(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<Page> {
        let user = try context.requireUser()
        let limitText = request.uri.queryParameters["limit"].map(String.init)
        let limit = limitText.flatMap { Int($0) } ?? 20
        guard (1...100).contains(limit), limitText == nil || Int(limitText!) != nil else {
            throw APIError.validation([
                ValidationIssue(
                    type: "less_than_equal", loc: [.key("query"), .key("limit")], msg: "Input should be between 1 and 100",
                    input: .string(limitText ?? ""))
            ])
        }
        var cursor: ConversationCursor?
        if let token = request.uri.queryParameters["cursor"].map(String.init), token.isEmpty == false {
            guard let parsed = ConversationCursor(token: token) else {
                throw APIError.validation([
                    ValidationIssue(
                        type: "value_error", loc: [.key("query"), .key("cursor")], msg: "Value error, Invalid cursor.",
                        input: .string(String(token.prefix(128))))
                ])
            }
            cursor = parsed
        }
        let page = try await conversations.list(userID: user.id, limit: limit, after: cursor)
        return JSONResponse(Page(items: page.items, next_cursor: page.next?.token))
    }

    @Sendable package func show(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<Detail> {
        let user = try context.requireUser()
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)),
            let (summary, messages) = try await conversations.conversation(id: id, userID: user.id)
        else { throw ChatError.conversationNotFound }
        return JSONResponse(
            Detail(
                id: summary.id, title: summary.title, bot: summary.bot, created_at: summary.createdAt,
                updated_at: summary.updatedAt, messages: messages))
    }

    @Sendable package func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)),
            try await conversations.delete(id: id, userID: user.id)
        else { throw ChatError.conversationNotFound }
        return Response(status: .noContent)
    }
}
