import BotKit
import Foundation
import NIOConcurrencyHelpers

/// Which budgets a user has, by user id (dropped on NOTIFY `budget:<id>`).
typealias BudgetCache = NotifiedCache<Int, [BudgetRule]>

/// Budgets that cannot be overspent. Before a call runs its worst case is reserved
/// atomically in PostgreSQL against every budget binding it (the user's, and its API key's);
/// a call that does not fit gets `BudgetExceeded`. When it ends it is settled to what it
/// used (`BudgetHold`). Calls of users without budgets touch no database (`BudgetCache`).
///
/// The worst case: every byte of the input counted as a token (tokenizers make a token of
/// one byte or more), 8 per message, 1,600 per image, plus the call's `max_tokens`; a call
/// under a budget that names none is capped at `BUDGET_DEFAULT_MAX_TOKENS`. Its cost is
/// that at the higher of the chosen bot's and the fallback's prices.
struct Budgets: Sendable {
    let repository: any BudgetRepository
    /// nil when caching is off (`USER_CACHE_SECONDS=0`): every call reads the user's rules.
    let cache: BudgetCache?
    let settler: BudgetSettler
    let defaultMaxTokens: Int

    /// The budgets binding calls of `userID` made with `keyID`.
    func rules(userID: Int, keyID: UUID?) async throws -> [BudgetRule] {
        let all: [BudgetRule]?
        if let cache {
            all = try await cache.value(for: userID) { try await repository.rules(userID: userID) }
        } else {
            all = try await repository.rules(userID: userID)
        }
        return (all ?? []).filter { $0.binds(key: keyID) }
    }

    /// Reserves the worst case of a call, capping its output when it names no limit; nil
    /// when no budget binds it. Throws `BudgetExceeded` when it does not fit.
    func reserve(
        userID: Int, keyID: UUID?, messages: [ChatMessage], options: inout GenerationOptions, price: BotPrice,
        timeout: Duration
    ) async throws -> BudgetHold? {
        guard try await rules(userID: userID, keyID: keyID).isEmpty == false else { return nil }
        let output = options.maxTokens ?? defaultMaxTokens
        options.maxTokens = output
        let input = Self.worstInput(messages, options)
        return try await reserve(
            userID: userID, keyID: keyID, usage: TokenUsage(inputTokens: input, outputTokens: output), price: price,
            timeout: timeout)
    }

    /// Reserves `usage` at `price` (embeddings: input only); nil when no budget binds.
    func reserve(userID: Int, keyID: UUID?, usage: TokenUsage, price: BotPrice, timeout: Duration) async throws
        -> BudgetHold?
    {
        guard try await rules(userID: userID, keyID: keyID).isEmpty == false else { return nil }
        let holdID = UUID.random()
        if let wait = try await repository.reserve(
            holdID: holdID, userID: userID, keyID: keyID, tokens: usage.inputTokens + usage.outputTokens,
            costNanos: price.cost(usage), ttl: timeout + .seconds(60))
        {
            throw BudgetExceeded(retryAfterSeconds: wait)
        }
        return BudgetHold(
            BudgetSettlement(holdID: holdID, userID: userID, keyID: keyID, tokens: 0, costNanos: 0), settler: settler)
    }

    /// An upper bound of the input's tokens.
    static func worstInput(_ messages: [ChatMessage], _ options: GenerationOptions) -> Int {
        var tokens = 0
        for message in messages {
            tokens += 8 + message.content.utf8.count + message.images.count * 1600
            for call in message.toolCalls { tokens += call.name.utf8.count + call.arguments.utf8.count + 8 }
        }
        for tool in options.tools {
            tokens += 8 + tool.name.utf8.count + (tool.description?.utf8.count ?? 0) + tool.parameters.jsonBytes.count
        }
        return tokens
    }
}

/// One call's reservation. Settled once with what the call used; a hold dropped unsettled
/// (a call refused or abandoned before it ran) is settled as having used nothing.
final class BudgetHold: Sendable {
    private let settlement: BudgetSettlement
    private let settler: BudgetSettler
    private let settled = NIOLockedValueBox(false)

    init(_ settlement: BudgetSettlement, settler: BudgetSettler) {
        self.settlement = settlement
        self.settler = settler
    }

    /// Charges `tokens` (input and output) and `costNanos` and releases the reservation.
    func settle(tokens: Int, costNanos: Int) {
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
