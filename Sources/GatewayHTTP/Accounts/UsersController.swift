import Foundation
import GatewayCore
import GatewayDomain
import Hummingbird

/// `/api/v1/users`: the contract's accounts routes plus session management.
package struct UsersController {
    package let service: AccountService
    package let bearer: BearerAuthenticator
    package let maxBodyBytes: Int
    package let cookieMaxAge: Duration
    package let cookieSecure: Bool

    package init(
        service: AccountService, bearer: BearerAuthenticator, maxBodyBytes: Int, cookieMaxAge: Duration, cookieSecure: Bool
    ) {
        self.service = service
        self.bearer = bearer
        self.maxBodyBytes = maxBodyBytes
        self.cookieMaxAge = cookieMaxAge
        self.cookieSecure = cookieSecure
    }

    package struct TokenResponse: Codable, Sendable {
        package let access_token: String
        package let token_type: String
    }

    package func addRoutes(to router: Router<AppRequestContext>) {
        let prefix = "/api/v1/users"
        router.group(RouterPath(prefix))
            .post("register", use: register)
            .post("login", use: login)
            .post("refresh-token", use: refresh)
        router.group(RouterPath(prefix)).add(middleware: bearer)
            .post("logout", use: logout)
            .post("logout-all", use: logoutAll)
            .get("me", use: me)
            .get("me/sessions", use: listSessions)
            .delete("me/sessions/:id", use: revokeSession)
    }

    /// The bodies of `register` and `login`.
    package static let registerShape = BodyShape("RegisterRequest", ["name", "email", "password"])
    package static let loginShape = BodyShape("LoginRequest", ["email", "password"])

    @Sendable package func register(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<User> {
        var validator = FieldValidator(try await BodyReader.object(request, limit: maxBodyBytes), shape: Self.registerShape)
        let fields = (
            AccountValidation.name(validator.requiredString("name"), &validator),
            AccountValidation.email(validator.requiredString("email"), &validator),
            AccountValidation.password(validator.requiredString("password"), &validator)
        )
        let (name, email, password) = try validator.finish(fields.0, fields.1, fields.2)
        let channel = context.channel
        let user = try await service.register(
            name: name, email: email, password: password, client: client(request, context),
            isWanted: { channel.isActive })
        context.logger.info("user registered", metadata: ["user_id": "\(user.id)"])
        return JSONResponse(user, status: .created)
    }

    @Sendable package func login(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<TokenResponse> {
        var validator = FieldValidator(try await BodyReader.object(request, limit: maxBodyBytes), shape: Self.loginShape)
        let fields = (
            AccountValidation.email(validator.requiredString("email"), &validator),
            AccountValidation.password(validator.requiredString("password"), &validator)
        )
        let (email, password) = try validator.finish(fields.0, fields.1)
        let channel = context.channel
        let grant = try await service.login(
            email: email, password: password, client: client(request, context), isWanted: { channel.isActive })
        return granted(grant)
    }

    @Sendable package func refresh(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<TokenResponse> {
        let grant = try await service.refresh(token: RefreshCookie.value(in: request), client: client(request, context))
        return granted(grant)
    }

    @Sendable package func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await service.logout(token: RefreshCookie.value(in: request), user: try context.requireUser())
        return Response(status: .noContent, headers: [.setCookie: RefreshCookie.cleared])
    }

    @Sendable package func logoutAll(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await service.logoutAll(user: try context.requireUser())
        return Response(status: .noContent, headers: [.setCookie: RefreshCookie.cleared])
    }

    @Sendable package func me(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<User> {
        JSONResponse(try context.requireUser().user)
    }

    @Sendable package func listSessions(_ request: Request, context: AppRequestContext) async throws -> JSONResponse<
        [SessionInfo]
    > {
        JSONResponse(
            try await service.listSessions(user: try context.requireUser(), currentToken: RefreshCookie.value(in: request)))
    }

    @Sendable package func revokeSession(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else {
            throw AccountError.sessionNotFound
        }
        try await service.revokeSession(id: id, user: try context.requireUser())
        return Response(status: .noContent)
    }

    private func client(_ request: Request, _ context: AppRequestContext) -> ClientInfo {
        ClientInfo(userAgent: request.headers[.userAgent].map { $0.prefix(codePoints: 256) }, ip: context.clientAddress)
    }

    private func granted(_ grant: AccountService.Grant) -> JSONResponse<TokenResponse> {
        JSONResponse(
            TokenResponse(access_token: grant.accessToken, token_type: "bearer"),
            headers: [
                .setCookie: RefreshCookie.set(
                    grant.refreshToken, maxAge: cookieMaxAge.wholeSecondsRoundedUp, secure: cookieSecure)
            ]
        ).secret()
    }
}
