import BotKit
import Foundation
import GatewayCore
import HTTPTypes

/// A quota was exceeded: 429 `quota_exceeded` with `Retry-After`.
public struct QuotaExceeded: Error, APIErrorConvertible, Equatable {
    public let retryAfterSeconds: Int
    public let message: String

    public var apiError: APIError {
        APIError(.tooManyRequests, message, code: "quota_exceeded", headers: [.retryAfter: String(retryAfterSeconds)])
    }
}

/// Enforces `QuotaConfig` and records usage.
package struct Quotas: Sendable {
    package init(usage: any UsageRepository, config: QuotaConfig, now: @escaping @Sendable () -> Date) {
        self.usage = usage
        self.config = config
        self.leases = RequestLeases(limit: config.requestsPerMinute)
        self.now = now
    }

    package let usage: any UsageRepository
    package let config: QuotaConfig
    package let leases: RequestLeases
    package let daily = DailyTokens()
    /// The clock of the minute and day windows (injected by tests).
    package let now: @Sendable () -> Date

    /// Counts the request and throws `QuotaExceeded` when a limit is reached. The daily
    /// rule runs on the database's clock (which dates usage rows); the per-minute rule on
    /// `now` (its window and `Retry-After` alike).
    package func admit(userID: Int) async throws {
        if config.tokensPerDay > 0 {
            let today: (used: Int, secondsLeft: Int)
            if let cached = daily.cached(userID: userID) {
                today = cached
            } else {
                today = try await usage.tokensToday(userID: userID)
                daily.store(userID: userID, used: today.used, secondsLeft: today.secondsLeft)
            }
            if today.used >= config.tokensPerDay {
                throw QuotaExceeded(
                    retryAfterSeconds: max(1, today.secondsLeft),
                    message: "Daily token quota of \(config.tokensPerDay) reached. Try again tomorrow (UTC).")
            }
        }
        if config.requestsPerMinute > 0 {
            let seconds = Int(now().timeIntervalSince1970.rounded(.down))
            let minute = seconds / 60
            if leases.take(userID: userID, minute: minute) { return }
            let start = Date(timeIntervalSince1970: Double(minute * 60))
            let count = leases.leaseSize(userID: userID, minute: minute)
            let total = try await usage.leaseRequests(
                userID: userID, minute: start, count: count, limit: config.requestsPerMinute)
            if leases.granted(userID: userID, minute: minute, total: total, leased: count) == 0 {
                throw QuotaExceeded(
                    retryAfterSeconds: 60 - seconds % 60,
                    message: "Quota of \(config.requestsPerMinute) requests per minute reached. Slow down.")
            }
        }
    }

    /// Notes tokens a call of this replica used (for the daily limit).
    package func spent(userID: Int, _ tokens: TokenUsage) {
        if config.tokensPerDay > 0 { daily.add(userID: userID, tokens: tokens.inputTokens + tokens.outputTokens) }
    }

    /// A bot's reported usage, or an estimate of about four characters per token.
    package static func usage(_ reported: TokenUsage?, messages: [ChatMessage], reply: String) -> TokenUsage {
        if let reported { return reported }
        return TokenUsage(
            inputTokens: estimatedTokens(characters: messages.reduce(0) { $0 + $1.content.count }),
            outputTokens: estimatedTokens(characters: reply.count))
    }

    /// The one estimate of tokens where a bot reports none: about four characters each.
    package static func estimatedTokens(characters: Int) -> Int { (characters + 3) / 4 }
}
