import GatewayCore
import HTTPTypes
import Postgres

extension ChatService {
    /// A finished turn could not be stored, so it is not acknowledged: 503
    /// `database_unavailable` with `Retry-After` (or the conversation's 404 when it was
    /// deleted meanwhile); on a stream, an `error` event with that code.
    public struct TurnNotStored: Error, APIErrorConvertible {
        public let cause: any Error

        public var apiError: APIError {
            switch cause {
            case let chat as ChatError: chat.apiError
            case let database as DatabaseError where database.isUnavailable:
                APIError(
                    .serviceUnavailable, "Your message could not be saved and was not stored. Please retry.",
                    code: Self.code, headers: [.retryAfter: "2"])
            default: .unexpected
            }
        }

        /// The error code of a storage failure.
        public static let code = "database_unavailable"
    }
}
