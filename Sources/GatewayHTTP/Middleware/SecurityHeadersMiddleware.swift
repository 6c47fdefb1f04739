import Foundation
import GatewayCore
import GatewayDomain
import HTTPTypes
import Hummingbird

/// Adds the contract's security headers to every response. A route may set its own
/// `Content-Security-Policy` (the docs page does); it is kept.
package struct SecurityHeadersMiddleware: RouterMiddleware {

    package init() {
    }

    package typealias Context = AppRequestContext
    package static let contentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
    /// Headers no route sets itself, built once.
    package static let fixed: [HTTPField] = [
        HTTPField(name: .xContentTypeOptions, value: "nosniff"), HTTPField(name: .xFrameOptions, value: "DENY"),
        HTTPField(name: .referrerPolicy, value: "no-referrer"),
        HTTPField(name: .permissionsPolicy, value: "geolocation=(), microphone=(), camera=()"),
    ]

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
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
    package static let xFrameOptions = Self("X-Frame-Options")!
    package static let referrerPolicy = Self("Referrer-Policy")!
    package static let permissionsPolicy = Self("Permissions-Policy")!
}
