import Foundation
import GatewayCore
import GatewayDomain
import GatewayHTTP
import Hummingbird
import Logging

/// A user's sessions and API keys, for administrators: list and revoke. A revoked session's
/// refresh token stops working at once; a revoked key is dropped from this replica's cache
/// before the answer and from the others' by NOTIFY.
package struct AdminAccountsController {
    package let admins: any AdminRepository
    package let bearer: BearerAuthenticator
    package let sessions: any SessionRepository
    package let policy: RefreshPolicy
    package let keys: any APIKeyRepository
    package let keyAuthenticator: APIKeyAuthenticator

    package init(
        admins: any AdminRepository, bearer: BearerAuthenticator, sessions: any SessionRepository, policy: RefreshPolicy,
        keys: any APIKeyRepository, keyAuthenticator: APIKeyAuthenticator
    ) {
        self.admins = admins
        self.bearer = bearer
        self.sessions = sessions
        self.policy = policy
        self.keys = keys
        self.keyAuthenticator = keyAuthenticator
    }

    package func addRoutes(to router: Router<AppRequestContext>) {
        let group = router.group("/api/v1/admin/users/:id").add(middleware: bearer)
            .add(middleware: AdminOnly(admins: admins))
        group.get("sessions") { _, context in
            JSONResponse(try await sessions.sessions(userID: try Self.user(context), policy: policy))
        }
        group.delete("sessions/:session") { _, context in
            let user = try Self.user(context)
            guard let id = Self.item(context, "session"), try await sessions.revokeSession(id: id, userID: user) else {
                throw AccountError.sessionNotFound
            }
            try Self.log(context, "session revoked by an administrator", user: user, item: id)
            return Response(status: .noContent)
        }
        group.get("api-keys") { _, context in JSONResponse(try await keys.list(userID: try Self.user(context))) }
        group.delete("api-keys/:key") { _, context in
            let user = try Self.user(context)
            guard let id = Self.item(context, "key"), try await keyAuthenticator.revoke(id: id, userID: user) else {
                throw APIError(.notFound, "API key not found.", code: "not_found")
            }
            try Self.log(context, "api key revoked by an administrator", user: user, item: id)
            return Response(status: .noContent)
        }
    }

    /// The `:id` of the route (any user, the caller included).
    package static func user(_ context: AppRequestContext) throws -> Int {
        guard let id = context.parameters.get("id").flatMap({ Int($0) }), (1...Int(Int32.max)).contains(id) else {
            throw AdminController.noSuchUser
        }
        return id
    }

    package static func item(_ context: AppRequestContext, _ name: String) -> UUID? {
        context.parameters.get(name).flatMap(UUID.init(uuidString:))
    }

    package static func log(_ context: AppRequestContext, _ message: Logger.Message, user: Int, item: UUID) throws {
        let by = try context.requireUser().id
        context.logger.notice(message, metadata: ["user_id": "\(user)", "id": "\(item)", "by": "\(by)"])
    }
}
