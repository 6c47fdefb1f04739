import BotKit
import Foundation
import GatewayCore
import NIOConcurrencyHelpers

/// Which budgets a user has, by user id (dropped on NOTIFY `budget:<id>`).
package typealias BudgetCache = NotifiedCache<Int, [BudgetRule]>

/// Budgets that cannot be overspent. Before a call runs its worst case is reserved
/// atomically in PostgreSQL against every budget binding it (the user's, and its API key's);
/// a call that does not fit gets `BudgetExceeded`. When it ends it is settled to what it
/// used (`BudgetHold`). Calls of users without budgets touch no database (`BudgetCache`).
///
/// The worst case: `worstInput` plus the call's `max_tokens` (a call under a budget that
/// names none is capped at `BUDGET_DEFAULT_MAX_TOKENS`), priced at the higher of the chosen
/// bot's and the fallback's prices. It bounds the call only when its bot honours
/// `max_tokens` (the model APIs do); what a call really used is charged when it is settled.
package struct Budgets: Sendable {
    package let repository: any BudgetRepository
    /// nil when caching is off (`USER_CACHE_SECONDS=0`): every call reads the user's rules.
    package let cache: BudgetCache?
    package let settler: BudgetSettler
    package let defaultMaxTokens: Int

    package init(repository: any BudgetRepository, cache: BudgetCache? = nil, settler: BudgetSettler, defaultMaxTokens: Int) {
        self.repository = repository
        self.cache = cache
        self.settler = settler
        self.defaultMaxTokens = defaultMaxTokens
    }

    /// The cache key of "is there any budget at all" (user ids start at 1): while there is
    /// none, no call reads a user's budgets.
    package static let anyone = 0

    /// The budgets binding calls of `userID` made with `keyID`.
    package func rules(userID: Int, keyID: UUID?) async throws -> [BudgetRule] {
        let all: [BudgetRule]?
        if let cache {
            let repository = self.repository
            guard try await cache.value(for: Self.anyone, load: { try await repository.anyBudget() })?.isEmpty == false
            else { return [] }
            all = try await cache.value(for: userID) { try await repository.rules(userID: userID) }
        } else {
            all = try await repository.rules(userID: userID)
        }
        return (all ?? []).filter { $0.binds(key: keyID) }
    }

    /// Reserves the worst case of a call, capping its output when it names no limit; nil
    /// when no budget binds it. Throws `BudgetExceeded` when it does not fit. The hold
    /// outlives the call (`holdFor`: its bots' timeouts and a margin) in case its gateway dies.
    package func reserve(
        userID: Int, keyID: UUID?, messages: [ChatMessage], options: inout GenerationOptions, price: BotPrice,
        holdFor: Duration
    ) async throws -> BudgetHold? {
        guard try await rules(userID: userID, keyID: keyID).isEmpty == false else { return nil }
        let output = options.maxTokens ?? defaultMaxTokens
        options.maxTokens = output
        let input = Self.worstInput(messages, options)
        return try await hold(
            userID: userID, keyID: keyID, usage: TokenUsage(inputTokens: input, outputTokens: output), price: price,
            holdFor: holdFor)
    }

    /// Reserves `usage` at `price`, every input token at the highest of the input, cached
    /// input and cache write prices (embeddings: input only); nil when no budget binds.
    package func reserve(userID: Int, keyID: UUID?, usage: TokenUsage, price: BotPrice, holdFor: Duration) async throws
        -> BudgetHold?
    {
        guard try await rules(userID: userID, keyID: keyID).isEmpty == false else { return nil }
        return try await hold(userID: userID, keyID: keyID, usage: usage, price: price, holdFor: holdFor)
    }

    /// The reservation itself, once a budget is known to bind the call.
    private func hold(userID: Int, keyID: UUID?, usage: TokenUsage, price: BotPrice, holdFor: Duration) async throws
        -> BudgetHold
    {
        let holdID = UUID.random()
        let highest = max(price.input, price.cachedInput, price.cacheWrite)
        let worst = BotPrice(input: highest, output: price.output, cachedInput: highest, cacheWrite: highest)
        if let wait = try await repository.reserve(
            holdID: holdID, userID: userID, keyID: keyID, tokens: usage.inputTokens + usage.outputTokens,
            costNanos: worst.cost(usage), ttl: holdFor)
        {
            throw BudgetExceeded(retryAfterSeconds: wait)
        }
        return BudgetHold(
            BudgetSettlement(holdID: holdID, userID: userID, keyID: keyID, tokens: 0, costNanos: 0), settler: settler,
            reserved: usage)
    }

    /// How long a hold outlives its reservation: the call's bots' timeouts (a fallback runs
    /// after the chosen bot failed), the wait for a stream's first write and the settling.
    package static func holdTime(_ timeouts: Duration...) -> Duration {
        timeouts.reduce(.seconds(120), +)
    }

    /// An upper bound of the input's tokens: every byte a token (no tokenizer makes a token
    /// of less than a byte), 8 per message, 3,000 per image, every tool definition, the
    /// response format and the extras, and 1,024 for what a provider adds around tools.
    package static func worstInput(_ messages: [ChatMessage], _ options: GenerationOptions) -> Int {
        var tokens = 0
        for message in messages {
            tokens += 8 + message.content.utf8.count + message.images.count * 3000 + (message.toolCallID?.utf8.count ?? 0)
            for call in message.toolCalls { tokens += call.id.utf8.count + call.name.utf8.count + call.arguments.utf8.count + 8 }
        }
        for tool in options.tools {
            tokens += 8 + tool.name.utf8.count + (tool.description?.utf8.count ?? 0) + tool.parameters.jsonBytes.count
        }
        if options.tools.isEmpty == false { tokens += 1024 }
        if case .jsonSchema(let name, let schema, _) = options.responseFormat {
            tokens += name.utf8.count + schema.jsonBytes.count + 64
        }
        for value in options.extras.values { tokens += value.jsonBytes.count }
        return tokens
    }
}

/// One call's reservation. Settled once with what the call used; a hold dropped unsettled
/// (a call refused or abandoned before it ran) is settled as having used nothing.
package final class BudgetHold: Sendable {
    private let settlement: BudgetSettlement
    private let settler: BudgetSettler
    private let settled = NIOLockedValueBox(false)
    /// The worst case reserved: what a call whose outcome upstream is unknown is charged.
    package let reserved: TokenUsage

    package init(_ settlement: BudgetSettlement, settler: BudgetSettler, reserved: TokenUsage) {
        self.settlement = settlement
        self.settler = settler
        self.reserved = reserved
    }

    /// Charges `tokens` (input and output) and `costNanos` and releases the reservation.
    package func settle(tokens: Int, costNanos: Int) {
        let first = settled.withLockedValue { done in
            defer { done = true }
            return done == false
        }
        guard first else { return }
        var done = settlement
        done.tokens = tokens
        done.costNanos = costNanos
        settler.note(done)
    }

    deinit { settle(tokens: 0, costNanos: 0) }
}
