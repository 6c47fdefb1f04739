import Crypto
import Foundation
import GatewayCore
import GatewayDomain
import GatewayHTTP
import HTTPTypes
import Hummingbird

/// The console's sign-in. Signing in is a password login (throttled and recorded like
/// any other) by an administrator; its refresh token, never rotated by the console, is
/// the `__Secure-console_session` cookie: HttpOnly, SameSite=Strict, path `/console`
/// (`console_session` without Secure when `COOKIE_SECURE=false`, for development only). So a console session is one of the user's sessions: it ends with
/// logout, logout everywhere, an administrator's revocation, or disabling the user.
///
/// CSRF: every state-changing request carries a token derived from the session
/// (HMAC-SHA256 under a key derived from `SECRET_KEY`), in a form field `csrf` or the
/// `X-CSRF-Token` header; the sign-in form is bound to a random `console_login` cookie
/// (double submit). Comparisons are constant-time.
package struct ConsoleAuth: Sendable {
    package static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    package let key: SymmetricKey
    package let secure: Bool
    package let lifetime: Duration
    /// The cookies' names: `__Secure-` prefixed when Secure, so a sibling host or a
    /// cleartext response cannot plant one.
    package var sessionCookie: String { secure ? "__Secure-console_session" : "console_session" }
    package var loginCookie: String { secure ? "__Secure-console_login" : "console_login" }
    /// Form bodies the console accepts (its forms are a few fields).
    package static let maxFormBytes = 16384

    package init(secret: String, secure: Bool, lifetime: Duration) {
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(secret.utf8)), info: Data("gateway console csrf v1".utf8),
            outputByteCount: 32)
        self.secure = secure
        self.lifetime = lifetime
    }

    /// The CSRF token of a session (its refresh token's hash).
    package func csrf(sessionHash: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(sessionHash.utf8), using: key).map { String(format: "%02x", $0) }.joined()
    }

    /// The presented cookie `name`, if well formed.
    package static func cookie(_ name: String, in request: Request) -> String? { CookieHeader.value(named: name, in: request) }

    package func setCookie(_ name: String, _ value: String, maxAge: Int) -> String {
        "\(name)=\(value); HttpOnly;\(secure ? " Secure;" : "") SameSite=Strict; Path=/console; Max-Age=\(maxAge)"
    }

    package func clearCookie(_ name: String) -> String { setCookie(name, "", maxAge: 0) }

    /// Equal non-empty strings (`constantTimeEquals`).
    package static func same(_ a: String, _ b: String) -> Bool { a.isEmpty == false && constantTimeEquals(a, b) }
}

/// The console page's signed-in administrator, or a redirect to the sign-in page (a 403
/// for anything but a GET). Reads the session and the administrator flag fresh on each
/// request, so a revocation holds at once.
package struct ConsoleSessionMiddleware: RouterMiddleware {
    package typealias Context = AppRequestContext
    package let auth: ConsoleAuth
    package let sessions: any SessionRepository
    package let users: any UserRepository
    package let admins: any AdminRepository

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let token = ConsoleAuth.cookie(auth.sessionCookie, in: request),
            let userID = try await sessions.owner(tokenHash: RefreshTokenFactory.hash(token)),
            try await admins.isAdmin(userID: userID), let user = try await users.find(id: userID)
        else {
            if request.method == .get { return Response(status: .seeOther, headers: [.location: "/console/login"]) }
            throw APIError(.forbidden, "Sign in to the console first.", code: "forbidden")
        }
        var context = context
        context.user = AuthenticatedUser(id: user.id, name: user.name, email: user.email)
        return try await next(request, context)
    }
}
