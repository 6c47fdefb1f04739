import GatewayCore
import HTTPTypes

/// Failures of the accounts API, rendered with the contract's messages.
public enum AccountError: Error, APIErrorConvertible, Equatable {
    case emailTaken
    case invalidCredentials
    case invalidRefreshToken
    case sessionNotFound
    case throttled(retryAfterSeconds: Int)

    public var apiError: APIError {
        switch self {
        case .emailTaken:
            APIError(.conflict, "Email is already registered.", code: "email_already_registered")
        case .invalidCredentials:
            APIError(.unauthorized, "Email or password incorrect.", code: "invalid_credentials")
        case .invalidRefreshToken:
            APIError(
                .unauthorized, "Invalid or expired refresh token.", code: "invalid_credentials",
                headers: [.setCookie: RefreshCookie.cleared])
        case .sessionNotFound:
            APIError(.notFound, "Session not found.", code: "not_found")
        case .throttled(let seconds):
            APIError(
                .tooManyRequests, "Too many attempts. Please try again later.", code: "too_many_requests",
                headers: [.retryAfter: String(seconds)])
        }
    }
}
