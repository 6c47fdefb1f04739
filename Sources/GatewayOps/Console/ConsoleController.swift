import Foundation
import GatewayCore
import GatewayDomain
import GatewayHTTP
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers

/// `/console`: the operators' web console, served by the gateway itself (pages rendered
/// here, charts as SVG, one small script of ours for the playground; nothing from the
/// network). Administrators sign in with their password (`ConsoleAuth`).
package struct ConsoleController {
    package let auth: ConsoleAuth
    package let accounts: AccountService
    package let sessions: any SessionRepository
    package let users: any UserRepository
    package let admins: any AdminRepository
    package let adminAPI: AdminController
    package let securityEvents: SecurityEventLog?
    package let keyAuthenticator: APIKeyAuthenticator
    package let chat: ChatController
    /// The overview's figures, read at most once a minute.
    package let overviewCache = OverviewCache()

    package init(
        auth: ConsoleAuth, accounts: AccountService, sessions: any SessionRepository, users: any UserRepository,
        admins: any AdminRepository, adminAPI: AdminController, securityEvents: SecurityEventLog? = nil,
        keyAuthenticator: APIKeyAuthenticator, chat: ChatController
    ) {
        self.auth = auth
        self.accounts = accounts
        self.sessions = sessions
        self.users = users
        self.admins = admins
        self.adminAPI = adminAPI
        self.securityEvents = securityEvents
        self.keyAuthenticator = keyAuthenticator
        self.chat = chat
    }

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.get("console/console.css") { _, _ in Self.asset(PackageResources.console_css, type: "text/css; charset=utf-8") }
        router.get("console/console.js") { _, _ in
            Self.asset(PackageResources.console_js, type: "text/javascript; charset=utf-8")
        }
        router.get("console/icon.svg") { _, _ in
            Self.asset(Array(Self.icon.utf8), type: "image/svg+xml")
        }
        router.get("console/login") { _, _ in signInPage() }
        router.post("console/login", use: signIn)
        let pages = router.group("console").add(
            middleware: ConsoleSessionMiddleware(auth: auth, sessions: sessions, users: users, admins: admins))
        pages.get { request, context in try await overview(request, context) }
        pages.post("logout", use: signOut)
        addPages(to: pages)
        addActions(to: pages)
    }

    /// The sign-in form, bound to a fresh `console_login` cookie.
    package func signInPage(notice: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let nonce = Data(randomBytes(16)).base64URLEncodedString
        var response = ConsolePage.render(
            title: "Sign in", csrf: nil, notice: notice,
            """
            <form method="post" action="/console/login" class="signin">\(ConsolePage.field(nonce))
            <label>Email <input type="email" name="email" autocomplete="username" required></label>
            <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
            <button type="submit">Sign in</button></form>
            <p class="hint">Administrators only (<code>gateway admin grant EMAIL</code>).</p>
            """)
        response.status = status
        response.headers.append(HTTPField(name: .setCookie, value: auth.setCookie(auth.loginCookie, nonce, maxAge: 3600)))
        return response
    }

    @Sendable package func signIn(_ request: Request, context: AppRequestContext) async throws -> Response {
        let form = try await Self.form(request, limit: ConsoleAuth.maxFormBytes)
        guard let bound = ConsoleAuth.cookie(auth.loginCookie, in: request),
            ConsoleAuth.same(bound, form["csrf"] ?? "")
        else { return signInPage(notice: "The form expired. Please sign in again.", status: .forbidden) }
        let email = (form["email"] ?? "").trimmedWhitespace.lowercased()
        let grant: AccountService.Grant
        do {
            grant = try await accounts.login(
                email: email, password: form["password"] ?? "",
                client: ClientInfo(userAgent: "console", ip: context.clientAddress))
        } catch AccountError.invalidCredentials {
            return signInPage(notice: "Email or password incorrect.", status: .unauthorized)
        } catch AccountError.throttled {
            return signInPage(notice: "Too many attempts. Please try again later.", status: .tooManyRequests)
        }
        let hash = RefreshTokenFactory.hash(grant.refreshToken)
        guard let userID = try await sessions.owner(tokenHash: hash), try await admins.isAdmin(userID: userID) else {
            if let userID = try await sessions.owner(tokenHash: hash) {
                _ = try await sessions.revoke(tokenHash: hash, userID: userID)
            }
            return signInPage(notice: "Administrators only.", status: .forbidden)
        }
        context.logger.notice("console sign-in", metadata: ["user_id": "\(userID)"])
        return ConsolePage.redirect(
            "/console",
            cookies: [
                auth.setCookie(auth.sessionCookie, grant.refreshToken, maxAge: Int(auth.lifetime / .seconds(1))),
                auth.clearCookie(auth.loginCookie),
            ])
    }

    @Sendable package func signOut(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        _ = try await checked(request)
        if let token = ConsoleAuth.cookie(auth.sessionCookie, in: request) {
            _ = try await sessions.revoke(tokenHash: RefreshTokenFactory.hash(token), userID: user.id)
        }
        return ConsolePage.redirect("/console/login", cookies: [auth.clearCookie(auth.sessionCookie)])
    }

    /// The session's CSRF token (signed in, so the cookie is there).
    package func csrf(_ request: Request) -> String {
        auth.csrf(sessionHash: RefreshTokenFactory.hash(ConsoleAuth.cookie(auth.sessionCookie, in: request) ?? ""))
    }

    /// The form of a state-changing request whose CSRF token matches; 403 otherwise.
    package func checked(_ request: Request) async throws -> [String: String] {
        let form = try await Self.form(request, limit: ConsoleAuth.maxFormBytes)
        guard ConsoleAuth.same(form["csrf"] ?? "", csrf(request)) else {
            throw APIError(.forbidden, "Missing or wrong CSRF token.", code: "forbidden")
        }
        return form
    }

    /// A form body (`application/x-www-form-urlencoded`), or a 400/413/415.
    package static func form(_ request: Request, limit: Int) async throws -> [String: String] {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            throw APIError(.unsupportedMediaType, "Forms only.", code: "unsupported_media_type")
        }
        let body = try await BodyReader.collect(request, limit: limit, accepting: ["application/x-www-form-urlencoded"])
        guard let form = FormBody.parse(body.readableBytesView) else {
            throw APIError(.badRequest, "Malformed form.", code: "bad_request")
        }
        return form
    }

    /// The console's tab icon (so browsers do not ask for a /favicon.ico the gateway lacks).
    package static let icon = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#2f5bd3"/>\
        <path d="M4 5h8v6H4z" fill="#fff"/></svg>
        """

    private static func asset(_ bytes: [UInt8], type: String) -> Response {
        DocsController.asset(ByteBuffer(bytes: bytes), type: type, policy: ConsolePage.policy)
    }
}

/// The overview's daily figures of the last minute (they scan the period's stored answers).
package final class OverviewCache: Sendable {
    private let state = NIOLockedValueBox<(read: ContinuousClock.Instant, days: [DailyStats])?>(nil)

    package func days(_ load: () async throws -> [DailyStats]) async throws -> [DailyStats] {
        if let cached = state.withLockedValue({ $0 }), ContinuousClock.now - cached.read < .seconds(60) { return cached.days }
        let days = try await load()
        state.withLockedValue { $0 = (.now, days) }
        return days
    }
}
