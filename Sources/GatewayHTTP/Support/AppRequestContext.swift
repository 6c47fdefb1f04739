import Foundation
import GatewayCore
import GatewayDomain
import HTTPTypes
import Hummingbird
import NIOCore

/// Per-request state shared by middleware and controllers.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address as seen on the socket.
    public let peerAddress: String?
    /// The request id (from `X-Request-ID` or generated).
    public var requestID: String = ""
    /// The authenticated user, set by the bearer middleware.
    public var user: AuthenticatedUser?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.peerAddress = source.channel.remoteAddress?.ipAddress
        self.channel = source.channel
    }

    /// The client's address behind trusted proxies (set by `ClientAddressMiddleware`).
    package var forwardedClient: String?

    /// The client's address: the peer, or per `TRUSTED_PROXIES` the right-most untrusted
    /// `X-Forwarded-For` hop. Worked out where it is used (logins, refreshes, sessions),
    /// not on every request.
    public var clientAddress: String? { forwardedClient ?? peerAddress.map(TrustedProxies.normalised) }
    /// The connection, to notice a client that hung up before its queued work started.
    package let channel: any Channel

    /// The user set by `BearerAuthenticator`; throws 401 when absent.
    public func requireUser() throws -> AuthenticatedUser {
        guard let user else { throw APIError.notAuthenticated }
        return user
    }
}

extension HTTPField.Name {
    package static let xForwardedFor = Self("X-Forwarded-For")!
    package static let xRequestID = Self("X-Request-ID")!
}

/// Sets the client's address from the peer and, behind trusted proxies, `X-Forwarded-For`.
package struct ClientAddressMiddleware: RouterMiddleware {
    package typealias Context = AppRequestContext
    package let trusted: TrustedProxies

    package init(trusted: TrustedProxies) {
        self.trusted = trusted
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        context.forwardedClient = trusted.clientAddress(
            peer: context.peerAddress, forwardedFor: request.headers[values: .xForwardedFor].map { $0[...] })
        return try await next(request, context)
    }
}
