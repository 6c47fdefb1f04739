import Foundation
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
    }

    /// The client IP: left-most `X-Forwarded-For` entry, else the peer address.
    public func clientIP(_ request: Request) -> String? {
        if let forwarded = request.headers[.xForwardedFor]?.split(separator: ",").first {
            let ip = forwarded.trimmedWhitespace
            if ip.isEmpty == false { return String(ip.prefix(64)) }
        }
        return peerAddress
    }

    /// The user set by `BearerAuthenticator`; throws 401 when absent.
    public func requireUser() throws -> AuthenticatedUser {
        guard let user else { throw APIError.notAuthenticated }
        return user
    }
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
    static let xRequestID = Self("X-Request-ID")!
}
