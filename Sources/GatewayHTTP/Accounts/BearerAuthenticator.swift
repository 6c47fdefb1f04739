import GatewayCore
import GatewayDomain
import HTTPTypes
import Hummingbird
import Tracing

/// Checks `Authorization: Bearer <jwt or API key>` (or, where enabled, `x-api-key`) and
/// attaches the user to the context.
/// With warm caches no database is touched; changes reach the caches at once (NOTIFY), so
/// a deleted user's tokens and a revoked key stop working at once.
package struct BearerAuthenticator: RouterMiddleware {
    package typealias Context = AppRequestContext
    package let tokens: AccessTokens
    package let users: any UserRepository
    package let keys: APIKeyAuthenticator
    /// Also take a credential from `x-api-key` (Anthropic's header); when a request sends
    /// both headers, both must be valid and name the same user.
    package var acceptsAPIKeyHeader = false
    package static let apiKeyHeader = HTTPField.Name("x-api-key")!
    /// Refuse API keys of scope `inference` (403): set on the routes that manage the account.
    package var accountOnly = false

    package init(
        tokens: AccessTokens, users: any UserRepository, keys: APIKeyAuthenticator, acceptsAPIKeyHeader: Bool = false,
        accountOnly: Bool = false
    ) {
        self.tokens = tokens
        self.users = users
        self.keys = keys
        self.acceptsAPIKeyHeader = acceptsAPIKeyHeader
        self.accountOnly = accountOnly
    }

    /// The same check for the routes that manage the account (sessions, keys,
    /// conversations, usage), where an `inference` key is refused.
    package var forAccount: Self {
        var copy = self
        copy.accountOnly = true
        return copy
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var credentials: [String] = []
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw APIError.notAuthenticated }
            credentials.append(parts[1].trimmedWhitespace)
        }
        if acceptsAPIKeyHeader, let key = request.headers[Self.apiKeyHeader] { credentials.append(key.trimmedWhitespace) }
        guard let first = credentials.first else { throw APIError.notAuthenticated }
        let authenticated = try await withSpan("bearer check") { _ in
            var user = try await authenticate(first)
            // Two credentials must both be valid, and the same user's; the bots both allow.
            for other in credentials.dropFirst() {
                let second = try await authenticate(other)
                guard second.id == user.id else { throw APIError.invalidBearer }
                user.bots = user.bots.intersection(second.bots)
            }
            return user
        }
        var context = context
        if accountOnly, authenticated.managesAccount == false {
            throw APIError(
                .forbidden,
                "This API key may only call the models (scope inference). Use a password login or a key of scope full.",
                code: "forbidden")
        }
        context.user = authenticated
        context.logger[metadataKey: "user_id"] = "\(authenticated.id)"
        return try await next(request, context)
    }

    /// The user an access token or API key belongs to, with what it grants; `invalidBearer`
    /// when none.
    private func authenticate(_ credential: String) async throws -> AuthenticatedUser {
        if credential.hasPrefix(APIKeySecret.marker) {
            guard credential.count <= 128, let (owner, grant) = try await keys.user(forKeyHash: APIKeySecret.hash(credential))
            else { throw APIError.invalidBearer }
            return AuthenticatedUser(
                id: owner.id, name: owner.name, email: owner.email, credential: .apiKey(grant.keyID, scope: grant.scope),
                bots: grant.bots)
        }
        guard let claims = await tokens.verify(credential), let found = try await users.find(id: claims.uid),
            found.email.lowercased() == claims.sub.value.lowercased()
        else { throw APIError.invalidBearer }
        return AuthenticatedUser(id: found.id, name: found.name, email: found.email)
    }
}
