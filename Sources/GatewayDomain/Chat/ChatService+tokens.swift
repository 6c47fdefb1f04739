import BotKit
import Foundation

extension ChatService {
    /// How many input tokens `messages` (after `BOT_SYSTEM_PROMPT`, as the call sends them)
    /// take for the bot `name`: its model service's own
    /// count when the bot has one (Anthropic-format upstreams), else — or when that count
    /// fails or takes past the bot's timeout — the gateway's estimate, the one usage uses
    /// when a bot reports none. No quota, no budget hold; counted in
    /// `gateway_token_counts_total{bot, source}`. `counted`: the service counted.
    public func countTokens(
        userID: Int, access: BotAccess, bot name: String, messages: [ChatMessage], options: GenerationOptions
    ) async throws -> (tokens: Int, counted: Bool) {
        let bot = try bots.bot(named: name, for: access)
        let messages = preparer.withSystemPrompt(messages)
        let request = BotRequest(
            messages: messages, userID: String(userID), options: options, deadline: .now + bot.timeout)
        let provider = bot.provider
        let counted = try? await Self.within(request.deadline) { try await provider.countTokens(request) }
        calls.metrics.tokenCount(bot: bot.name, upstream: counted != nil)
        if let counted { return (counted, true) }
        return (Quotas.usage(nil, messages: messages, reply: "").inputTokens, false)
    }
}
