import BotKit
import GatewayCore

/// What a user reads when no bot could answer.
package enum PoliteReply {
    /// The reply stored and sent in place of the bot's answer.
    package static func text(for error: BotError) -> String {
        "I'm sorry, I can't answer right now. \(error.safeMessage) Please try again in a moment."
    }

    /// Hints sent with a polite failure reply.
    package static let suggestions = [
        "Try again in a few seconds.", "Shorten or rephrase your message.", "Pick another bot (GET /api/v1/bots).",
    ]
}
