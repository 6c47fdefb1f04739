import Hummingbird

/// Failures of the chat API that are the client's to fix.
public enum ChatError: Error, APIErrorConvertible, Equatable {
    case unknownBot(String)
    case conversationNotFound

    public var apiError: APIError {
        switch self {
        case .unknownBot(let name):
            APIError(.notFound, "Unknown bot \"\(name.prefix(64))\". See GET /api/v1/bots.", code: "unknown_bot")
        case .conversationNotFound:
            APIError(.notFound, "Conversation not found.", code: "not_found")
        }
    }
}
