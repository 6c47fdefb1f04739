import Hummingbird

/// Checks `Authorization: Bearer <jwt or API key>` and attaches the user to the context.
/// With warm caches no database is touched; changes reach the caches at once (NOTIFY), so
/// a deleted user's tokens and a revoked key stop working at once.
struct BearerAuthenticator: RouterMiddleware {
    typealias Context = AppRequestContext
    let tokens: AccessTokens
    let users: any UserRepository
    let keys: APIKeyAuthenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        guard let header = request.headers[.authorization] else { throw APIError.notAuthenticated }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw APIError.notAuthenticated }
        let credential = parts[1].trimmedWhitespace
        let user: User
        let kind: AuthenticatedUser.Credential = credential.hasPrefix(APIKeySecret.marker) ? .apiKey : .accessToken
        if kind == .apiKey {
            guard credential.count <= 128, let owner = try await keys.user(forKeyHash: APIKeySecret.hash(credential)) else {
                throw APIError.invalidBearer
            }
            user = owner
        } else {
            guard let claims = await tokens.verify(credential), let found = try await users.find(id: claims.uid),
                found.email.lowercased() == claims.sub.value.lowercased()
            else { throw APIError.invalidBearer }
            user = found
        }
        var context = context
        context.user = AuthenticatedUser(id: user.id, name: user.name, email: user.email, credential: kind)
        context.logger[metadataKey: "user_id"] = "\(user.id)"
        return try await next(request, context)
    }
}
