import Foundation
import HTTPTypes
import Hummingbird

/// Adds the contract's security headers to every response. A route may set its own
/// `Content-Security-Policy` (the docs page does); it is kept.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let contentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
    /// Headers no route sets itself, built once.
    static let fixed: [HTTPField] = [
        HTTPField(name: .xContentTypeOptions, value: "nosniff"), HTTPField(name: .xFrameOptions, value: "DENY"),
        HTTPField(name: .referrerPolicy, value: "no-referrer"),
        HTTPField(name: .permissionsPolicy, value: "geolocation=(), microphone=(), camera=()"),
    ]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        var response = try await next(request, context)
        response.headers.append(contentsOf: Self.fixed)
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers.append(HTTPField(name: .contentSecurityPolicy, value: Self.contentSecurityPolicy))
        }
        return response
    }
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let permissionsPolicy = Self("Permissions-Policy")!
}
