import Foundation
import GatewayCore
import GatewayDomain
import Hummingbird

/// `/api/v1/users/me/api-keys`: create (the secret is shown once), list, revoke.
package struct APIKeysController {
    package let keys: any APIKeyRepository
    /// Revocations go through it, so this gateway's key cache forgets the key at once.
    package let authenticator: APIKeyAuthenticator
    package let bearer: BearerAuthenticator
    package let maxBodyBytes: Int
    /// `API_KEY_DEFAULT_DAYS`: lifetime of a key created without `expires_in_days` (nil: none).
    package let defaultLifetimeDays: Int?

    package init(
        keys: any APIKeyRepository, authenticator: APIKeyAuthenticator, bearer: BearerAuthenticator, maxBodyBytes: Int,
        defaultLifetimeDays: Int? = nil
    ) {
        self.keys = keys
        self.authenticator = authenticator
        self.bearer = bearer
        self.maxBodyBytes = maxBodyBytes
        self.defaultLifetimeDays = defaultLifetimeDays
    }

    package struct Created: Encodable, Sendable {
        package let id: String
        package let name: String
        package let prefix: String
        package let scope: APIKeyScope
        package let key: String
        package let created_at: Date
        package let expires_at: Date?
    }

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.group("/api/v1/users/me/api-keys").add(middleware: bearer)
            .post(use: create)
            .get { _, context in JSONResponse(try await keys.list(userID: try context.requireUser().id)) }
            .delete(":id") { _, context in
                let user = try context.requireUser()
                guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)),
                    try await authenticator.revoke(id: id, userID: user.id)
                else { throw APIError(.notFound, "API key not found.", code: "not_found") }
                return Response(status: .noContent)
            }
    }

    /// The body of `create`.
    package static let createShape = BodyShape("ApiKeyRequest", ["name", "expires_in_days", "scope"])

    @Sendable package func create(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<Created> {
        let user = try context.requireUser()
        guard user.credential == .accessToken else {
            throw APIError(
                .forbidden, "API keys cannot create API keys. Sign in with your password to create one.", code: "forbidden")
        }
        var validator = FieldValidator(try await BodyReader.object(request, limit: maxBodyBytes), shape: Self.createShape)
        let rawName = validator.requiredString("name")
        let name = rawName?.trimmedWhitespace
        if let rawName, let name, name.isEmpty || name.codePointCount > 100 {
            validator.valueError("name", "Name must be 1 to 100 characters.", input: rawName)
        }
        func inDays(_ days: Int) -> Date { Date().addingTimeInterval(Duration.days(days).timeInterval) }
        var expiresAt = defaultLifetimeDays.map(inDays)
        if let days = validator.body["expires_in_days"], days != .null {
            // A whole number also when written `30.0`, as JSON Schema and pydantic read it.
            if let value = days.int, (1...3650).contains(value) {
                expiresAt = inDays(value)
            } else {
                validator.issue(
                    "expires_in_days", type: "int_type", "Input should be an integer between 1 and 3650", input: days)
            }
        }
        var scope = APIKeyScope.inference
        if let value = validator.body["scope"], value != .null {
            if case .string(let text) = value, let chosen = APIKeyScope(rawValue: text) {
                scope = chosen
            } else {
                validator.issue(
                    "scope", type: "enum", "Input should be 'inference' or 'full'", input: value,
                    ctx: ["expected": "'inference' or 'full'"])
            }
        }
        let validName = try validator.finish(name)
        let secret = APIKeySecret.make()
        let info = try await keys.create(
            userID: user.id, name: validName, prefix: APIKeySecret.prefix(secret), hash: APIKeySecret.hash(secret),
            scope: scope, expiresAt: expiresAt)
        context.logger.info("api key created", metadata: ["user_id": "\(user.id)", "key_prefix": .string(info.prefix)])
        return JSONResponse(
            Created(
                id: info.id, name: info.name, prefix: info.prefix, scope: info.scope, key: secret, created_at: info.createdAt,
                expires_at: info.expiresAt),
            status: .created
        ).secret()
    }
}
