import BotKit
import Foundation
import GatewayCore

extension ChatService {
    /// What the client asked.
    public struct TurnRequest: Sendable {
        public var userID: Int
        /// The API key it was asked with (nil: an access token), for budgets and usage.
        public var keyID: UUID? = nil
        /// The bots the caller may call.
        public var access: BotAccess
        public var message: String
        public var conversationID: UUID?
        public var bot: String?
        /// Images sent with the message (bots declaring `images`).
        public var images: [ImagePart] = []
        /// Results (role `tool`) for the tool calls of the conversation's last answer.
        public var toolResults: [ChatMessage] = []
        public var options: GenerationOptions = GenerationOptions()

        package init(
            userID: Int, keyID: UUID? = nil, access: BotAccess, message: String, conversationID: UUID? = nil,
            bot: String? = nil,
            images: [ImagePart] = [], toolResults: [ChatMessage] = [], options: GenerationOptions = GenerationOptions()
        ) {
            self.userID = userID
            self.keyID = keyID
            self.access = access
            self.message = message
            self.conversationID = conversationID
            self.bot = bot
            self.images = images
            self.toolResults = toolResults
            self.options = options
        }

    }

    /// A turn ready to run: ids are fixed before the first byte is sent.
    public struct PreparedTurn: Sendable {
        /// The capabilities its input needs beyond text.
        package var needs: BotCapabilities { Self.needs(messages, options) }

        /// The capabilities `messages` and `options` need beyond text.
        package static func needs(_ messages: [ChatMessage], _ options: GenerationOptions) -> BotCapabilities {
            var needs: BotCapabilities = []
            if messages.contains(where: { $0.images.isEmpty == false }) { needs.insert(.images) }
            let calls = messages.contains { $0.role == .tool || $0.toolCalls.isEmpty == false }
            if options.tools.isEmpty == false || calls || options.toolChoice == .required { needs.insert(.tools) }
            if case .named = options.toolChoice { needs.insert(.tools) }
            if options.responseFormat != .text { needs.insert(.structuredOutput) }
            return needs
        }

        public let conversationID: UUID
        public let isNew: Bool
        public let bot: BotDirectory.Entry
        public let messages: [ChatMessage]
        public let userID: Int
        public let userMessage: String
        /// False for `/v1` calls without `X-Conversation-Id`: nothing is stored.
        public var store = true
        /// False for Responses API turns: one that fails before any output stores nothing
        /// but usage (its id never reached the client, and it would end the chain).
        public var storesFailures = true
        public let userMessageID = UUID.random()
        public let assistantMessageID = UUID.random()
        /// What the client asked, with `maxTokens` set when a budget capped it.
        public var options: GenerationOptions
        /// The API key it was asked with (nil: an access token).
        public var keyID: UUID?
        /// Its reservation against the budgets binding it (nil: none binds).
        package var hold: BudgetHold?
        /// What this turn adds to its conversation before the answer: tool results and the
        /// user's message (stored as one row).
        public var input: [ChatMessage] = []
    }

    /// How a bot call ended.
    public enum TurnOutcome: Sendable {
        /// The bot finished its answer.
        case completed(BotCompletion)
        /// The bot failed before any output; the turn's text is the polite reply.
        case failed(BotError)
        /// The bot failed after some output; the turn's text is what it sent.
        case failedMidway(BotError)
        /// The client went away (or the request was cancelled) during the answer.
        case cancelled
    }

    /// How a turn ended.
    public struct TurnResult: Sendable {
        public let text: String
        /// The bot that answered (the fallback's name when it did).
        public let bot: String
        public let outcome: TurnOutcome
        /// The tools the bot called (a completed answer's).
        public var toolCalls: [ToolCall] = []

        public var completion: BotCompletion? {
            if case .completed(let completion) = outcome { completion } else { nil }
        }

        /// The bot's failure, before or after output.
        public var error: BotError? {
            switch outcome {
            case .failed(let error), .failedMidway(let error): error
            case .completed, .cancelled: nil
            }
        }

        /// True when the answer stopped after some text had been sent.
        public var partial: Bool {
            switch outcome {
            case .failedMidway, .cancelled: true
            case .completed, .failed: false
            }
        }

        /// How the stored assistant message ended.
        public var status: MessageStatus {
            switch outcome {
            case .completed: .ok
            case .failed: .failed
            case .failedMidway, .cancelled: .partial
            }
        }
    }

    /// A piece of a turn's answer: text, or a piece of a tool call.
    public enum TurnPiece: Sendable, Equatable {
        case text(String)
        case toolCall(ToolCallDelta)
    }
}
