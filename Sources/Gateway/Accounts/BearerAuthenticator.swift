import Hummingbird

/// Checks `Authorization: Bearer <jwt>` and attaches the user to the context: one
/// indexed query per request, so a deleted user's tokens stop working at once.
struct BearerAuthenticator: RouterMiddleware {
    typealias Context = AppRequestContext
    let tokens: AccessTokens
    let users: any UserRepository

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { throw APIError.notAuthenticated }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw APIError.notAuthenticated }
        guard let claims = await tokens.verify(String(parts[1]).trimmingCharacters(in: .whitespaces)) else {
            throw APIError.invalidBearer
        }
        guard let user = try await users.find(id: claims.uid),
            user.email.lowercased() == claims.sub.value.lowercased()
        else { throw APIError.invalidBearer }
        var context = context
        context.user = AuthenticatedUser(id: user.id, name: user.name, email: user.email)
        context.logger[metadataKey: "user_id"] = "\(user.id)"
        return try await next(request, context)
    }
}
