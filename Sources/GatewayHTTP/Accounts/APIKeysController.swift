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
    /// The configured bots' names: what a key's `bots` list may name.
    package let botNames: Set<String>

    package init(
        keys: any APIKeyRepository, authenticator: APIKeyAuthenticator, bearer: BearerAuthenticator, maxBodyBytes: Int,
        defaultLifetimeDays: Int? = nil, botNames: Set<String>
    ) {
        self.keys = keys
        self.authenticator = authenticator
        self.bearer = bearer
        self.maxBodyBytes = maxBodyBytes
        self.defaultLifetimeDays = defaultLifetimeDays
        self.botNames = botNames
    }

    package struct Created: Encodable, Sendable {
        package let id: String
        package let name: String
        package let prefix: String
        package let scope: APIKeyScope
        package let bots: [String]?
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
    package static let createShape = BodyShape("ApiKeyRequest", ["name", "expires_in_days", "scope", "bots"])

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
        let bots = Self.bots(&validator, known: botNames)
        let validName = try validator.finish(name)
        let secret = APIKeySecret.make()
        let info = try await keys.create(
            userID: user.id, name: validName, prefix: APIKeySecret.prefix(secret), hash: APIKeySecret.hash(secret),
            scope: scope, bots: bots, expiresAt: expiresAt)
        context.logger.info("api key created", metadata: ["user_id": "\(user.id)", "key_prefix": .string(info.prefix)])
        return JSONResponse(
            Created(
                id: info.id, name: info.name, prefix: info.prefix, scope: info.scope, bots: info.bots, key: secret,
                created_at: info.createdAt, expires_at: info.expiresAt),
            status: .created
        ).secret()
    }

    /// The body's `bots`: absent or null for every bot, else 1 to 64 names of configured
    /// bots (any case; kept lowercase, in order, once each). Records an issue otherwise.
    static func bots(_ validator: inout FieldValidator, known: Set<String>) -> [String]? {
        guard let value = validator.body["bots"], value != .null else { return nil }
        guard case .array(let items) = value, (1...64).contains(items.count) else {
            validator.issue("bots", type: "list_type", "Input should be a list of 1 to 64 bot names", input: value)
            return nil
        }
        var names: [String] = []
        for item in items {
            guard case .string(let text) = item, known.contains(text.lowercased()) else {
                validator.issue(
                    "bots", type: "value_error", "Value error, Unknown bot. See GET /api/v1/bots.", input: item,
                    ctx: ["error": .object([:])])
                return nil
            }
            if names.contains(text.lowercased()) == false { names.append(text.lowercased()) }
        }
        return names
    }
}
