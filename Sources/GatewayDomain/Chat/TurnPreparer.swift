import BotKit
import Foundation
import GatewayCore

/// Turns a request into a `PreparedTurn`: checks the bot, the quota and the conversation,
/// and builds the context sent to the bot (history within `CHAT_CONTEXT_*`, system prompt).
package struct TurnPreparer: Sendable {
    package let bots: BotDirectory
    package let conversations: any ConversationRepository
    package let quotas: Quotas
    package let budgets: Budgets
    package let config: BotsConfig
    /// `STREAM_WRITE_TIMEOUT_SECONDS`: a streamed turn's bot starts once its first event is written.
    package var streamWriteTimeout: Duration = .seconds(30)

    package func prepare(_ request: ChatService.TurnRequest) async throws -> ChatService.PreparedTurn {
        let bot = try bots.bot(named: request.bot, for: request.access)
        // The new input alone: what stored history carries was checked when it was sent.
        var input = request.toolResults
        if request.message.isEmpty == false || request.images.isEmpty == false || input.isEmpty {
            input.append(ChatMessage(role: .user, content: request.message, images: request.images))
        }
        try ChatError.check(
            bot, needs: ChatService.PreparedTurn.needs(input, request.options),
            input: .array(request.images.map { .string($0.url) }))
        try await quotas.admit(userID: request.userID)
        var context: [ChatMessage] = []
        let conversationID: UUID
        if let id = request.conversationID {
            guard
                let history = try await conversations.history(
                    conversationID: id, userID: request.userID, limit: config.contextMessages)
            else { throw ChatError.conversationNotFound }
            try Self.checkResults(request.toolResults, history: history)
            context = Self.trim(history, characters: config.contextCharacters)
            conversationID = id
        } else {
            conversationID = UUID.random()
        }
        let messages = withSystemPrompt(MessageParts.answerable(context + input))
        var turn = ChatService.PreparedTurn(
            conversationID: conversationID, isNew: request.conversationID == nil, bot: bot, messages: messages,
            userID: request.userID, userMessage: request.message, options: request.options, keyID: request.keyID)
        turn.input = input
        try await reserve(&turn)
        return turn
    }

    /// Reserves the turn's worst case against the budgets binding it (last, once every
    /// other check passed), at the higher of its bot's and the fallback's prices.
    package func reserve(_ turn: inout ChatService.PreparedTurn) async throws {
        let fallback = bots.fallback.flatMap { bots.bot(named: $0) }
        turn.hold = try await budgets.reserve(
            userID: turn.userID, keyID: turn.keyID, messages: turn.messages, options: &turn.options,
            price: turn.bot.price.maximum(fallback?.price ?? .free),
            holdFor: Budgets.holdTime(turn.bot.timeout, fallback?.timeout ?? .zero, streamWriteTimeout))
    }

    /// Tool results must answer calls of the conversation's last answer, each at most once
    /// per request. Results sent again (the turn that first carried them failed, so its
    /// answer is not in the history) replace the earlier ones in the context.
    package static func checkResults(_ results: [ChatMessage], history: [ChatMessage]) throws(ChatError) {
        guard results.isEmpty == false else { return }
        let answer = history.last { $0.role == .assistant }
        let open = Set((answer?.toolCalls ?? []).map(\.id))
        let ids = results.compactMap(\.toolCallID)
        if let stray = ids.first(where: { open.contains($0) == false }) ?? (Set(ids).count < ids.count ? ids.first : nil) {
            throw .unansweredResult(stray)
        }
    }

    /// A turn whose context the client sends itself (the OpenAI-compatible API). It is
    /// stored only when `conversationID` is given (created when new, never another user's).
    package func prepareCompletion(
        userID: Int, keyID: UUID?, access: BotAccess, bot name: String, messages: [ChatMessage], conversationID: UUID?,
        options: GenerationOptions
    ) async throws -> ChatService.PreparedTurn {
        let bot = try bots.bot(named: name, for: access)
        try ChatError.check(bot, needs: ChatService.PreparedTurn.needs(messages, options))
        try await quotas.admit(userID: userID)
        var isNew = true
        if let conversationID {
            switch try await conversations.owner(of: conversationID, userID: userID) {
            case .nobody: isNew = true
            case .caller: isNew = false
            case .someoneElse: throw ChatError.conversationNotFound
            }
        }
        // What the call adds to a stored conversation: what follows the last answer.
        let input = Array(messages.suffix(from: (messages.lastIndex { $0.role == .assistant } ?? -1) + 1))
        var turn = ChatService.PreparedTurn(
            conversationID: conversationID ?? UUID.random(), isNew: isNew, bot: bot, messages: withSystemPrompt(messages),
            userID: userID, userMessage: input.last(where: { $0.role == .user })?.content ?? "", options: options,
            keyID: keyID)
        turn.store = conversationID != nil
        turn.input = input.filter { $0.role == .tool } + (input.last { $0.role == .user }.map { [$0] } ?? [])
        try await reserve(&turn)
        return turn
    }

    /// `BOT_SYSTEM_PROMPT`, when set, before the conversation.
    package func withSystemPrompt(_ messages: [ChatMessage]) -> [ChatMessage] {
        guard let prompt = config.systemPrompt else { return messages }
        return [ChatMessage(role: .system, content: prompt)] + messages
    }

    /// Keeps the newest messages whose total length fits the character budget.
    package static func trim(_ history: [ChatMessage], characters budget: Int) -> [ChatMessage] {
        var kept: [ChatMessage] = []
        var used = 0
        for message in history.reversed() {
            // Stored images are re-sent with the context: their bytes count like text.
            used += message.content.count + message.images.reduce(0) { $0 + Self.imageCharacters($1) }
            if used > budget { break }
            kept.append(message)
        }
        return kept.reversed()
    }

    /// What an image costs the context: its base64 bytes, or its URL's.
    package static func imageCharacters(_ image: ImagePart) -> Int {
        switch image {
        case .url(let url): url.utf8.count
        case .data(let mediaType, let base64): mediaType.utf8.count + base64.utf8.count + 13
        }
    }
}
