import BotKit
import Foundation
import GatewayCore

extension TurnPreparer {
    /// A Responses API turn: `input` after the stored chain `previous` ends with (its
    /// conversation's history within `CHAT_CONTEXT_*`), stored in that conversation — or a
    /// new one — unless `store` is false. Only the latest answer of a conversation continues
    /// it (answers that failed or were cut off after it do not count); another user's answer
    /// is `responseNotFound`. What a turn stores is its function call outputs and its last
    /// user message; system and developer messages, like `instructions`, are context of this
    /// call only and come first, before the chain.
    package func prepareResponse(
        userID: Int, keyID: UUID?, access: BotAccess, bot name: String, input: [ChatMessage], previous: UUID?, store: Bool,
        options: GenerationOptions
    ) async throws -> ChatService.PreparedTurn {
        let bot = try bots.bot(named: name, for: access)
        try ChatError.check(bot, needs: ChatService.PreparedTurn.needs(input, options))
        try await quotas.admit(userID: userID)
        var context: [ChatMessage] = []
        var conversationID = UUID.random()
        var isNew = true
        let results = input.filter { $0.role == .tool }
        if let previous {
            guard let stored = try await conversations.response(id: previous, userID: userID),
                let history = try await conversations.history(
                    conversationID: stored.conversationID, userID: userID, limit: config.contextMessages)
            else { throw ChatError.responseNotFound }
            guard stored.isLatest else { throw ChatError.responseNotLatest }
            try Self.checkResults(results, history: history)
            context = Self.trim(history, characters: config.contextCharacters)
            (conversationID, isNew) = (stored.conversationID, false)
        }
        let lastUser = input.last { $0.role == .user }
        var turn = ChatService.PreparedTurn(
            conversationID: conversationID, isNew: isNew, bot: bot,
            messages: withSystemPrompt(
                input.filter { $0.role == .system } + MessageParts.answerable(context + input.filter { $0.role != .system })),
            userID: userID,
            userMessage: lastUser?.content ?? "", options: options, keyID: keyID)
        turn.store = store
        turn.storesFailures = false
        turn.input = results + (lastUser.map { [$0] } ?? [])
        try await reserve(&turn)
        return turn
    }
}
