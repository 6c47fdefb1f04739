import BotKit
import GatewayCore
import HTTPTypes

/// Failures of the chat API that are the client's to fix.
public enum ChatError: Error, APIErrorConvertible, Equatable {
    case unknownBot(String)
    /// A configured bot the caller's API key may not call.
    case botNotAllowed(String)
    case conversationNotFound
    /// The bot lacks capabilities the request needs (`input`: what the 422 echoes).
    case unsupported(bot: String, missing: BotCapabilities, input: JSONValue)
    /// A tool result that answers no open call of the conversation's last answer.
    case unansweredResult(String)
    /// A stored response (`previous_response_id`) that is not there or not the caller's.
    case responseNotFound
    /// A stored response that a later turn of its conversation already continued.
    case responseNotLatest

    public var apiError: APIError {
        switch self {
        case .unsupported(let bot, let missing, let input):
            // The chat API's 422 shape, naming the field the bot cannot take.
            APIError.validation([
                ValidationIssue(
                    type: "value_error", loc: [.key("body"), .key(missing.names.first ?? "body")],
                    msg:
                        "Value error, The bot `\(bot)` does not take \(Self.names(missing)) (it lacks the \(Self.names(missing)) capability).",
                    input: input, ctx: ["error": .object([:])])
            ])
        case .unansweredResult(let id):
            APIError.validation([
                ValidationIssue(
                    type: "value_error", loc: [.key("body"), .key("tool_results")],
                    msg: "Value error, Each tool result must answer a different tool call of the conversation's last reply.",
                    input: .string(id), ctx: ["error": .object([:])])
            ])
        case .unknownBot(let name):
            APIError(.notFound, "Unknown bot \"\(name.prefix(64))\". See GET /api/v1/bots.", code: "unknown_bot")
        case .botNotAllowed(let name):
            APIError(.forbidden, "This API key may not call the bot \"\(name)\".", code: "bot_not_allowed")
        case .conversationNotFound:
            APIError(.notFound, "Conversation not found.", code: "not_found")
        case .responseNotFound:
            APIError(.notFound, "Previous response not found.", code: "not_found")
        case .responseNotLatest:
            APIError(
                .badRequest, "Previous response was continued already: only the latest response of a chain continues it.",
                code: "invalid_request")
        }
    }

    package static func names(_ capabilities: BotCapabilities) -> String { capabilities.names.joined(separator: ", ") }

    /// Throws `unsupported` when `bot` lacks a capability `needs` names.
    package static func check(_ bot: BotDirectory.Entry, needs: BotCapabilities, input: JSONValue = .null) throws(ChatError) {
        let missing = needs.subtracting(bot.provider.capabilities)
        if missing.isEmpty == false { throw .unsupported(bot: bot.name, missing: missing, input: input) }
    }
}
