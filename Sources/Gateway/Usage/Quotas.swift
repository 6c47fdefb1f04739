import BotKit
import Foundation
import Hummingbird

/// Optional per-user limits (`QUOTA_REQUESTS_PER_MINUTE`, `QUOTA_TOKENS_PER_DAY`; 0 = off).
/// Counters live in PostgreSQL, so replicas share them: the per-minute count is exact
/// (an atomic upsert per request); the daily token limit is checked before each call, so
/// calls already running when it is reached may overshoot it by their own tokens.
public struct QuotaConfig: Sendable, Equatable {
    public var requestsPerMinute: Int
    public var tokensPerDay: Int
}

/// A quota was exceeded: 429 `quota_exceeded` with `Retry-After`.
public struct QuotaExceeded: Error, APIErrorConvertible, Equatable {
    public let retryAfterSeconds: Int
    public let message: String

    public var apiError: APIError {
        APIError(.tooManyRequests, message, code: "quota_exceeded", headers: [.retryAfter: String(retryAfterSeconds)])
    }
}

/// Enforces `QuotaConfig` and records usage.
struct Quotas: Sendable {
    let usage: any UsageRepository
    let config: QuotaConfig
    /// The clock of the minute and day windows (injected by tests).
    let now: @Sendable () -> Date

    /// Counts the request and throws `QuotaExceeded` when a limit is reached. The daily
    /// rule runs on the database's clock (which dates usage rows); the per-minute rule on
    /// `now` (its window and `Retry-After` alike).
    func admit(userID: Int) async throws {
        if config.tokensPerDay > 0 {
            let today = try await usage.tokensToday(userID: userID)
            if today.used >= config.tokensPerDay {
                throw QuotaExceeded(
                    retryAfterSeconds: max(1, today.secondsLeft),
                    message: "Daily token quota of \(config.tokensPerDay) reached. Try again tomorrow (UTC).")
            }
        }
        if config.requestsPerMinute > 0 {
            let seconds = Int(now().timeIntervalSince1970.rounded(.down))
            let minute = Date(timeIntervalSince1970: Double(seconds - seconds % 60))
            if try await usage.countRequest(userID: userID, minute: minute) > config.requestsPerMinute {
                throw QuotaExceeded(
                    retryAfterSeconds: 60 - seconds % 60,
                    message: "Quota of \(config.requestsPerMinute) requests per minute reached. Slow down.")
            }
        }
    }

    /// A bot's reported usage, or an estimate of about four characters per token.
    static func usage(_ reported: TokenUsage?, messages: [ChatMessage], reply: String) -> TokenUsage {
        if let reported { return reported }
        let input = messages.reduce(0) { $0 + $1.content.count }
        return TokenUsage(inputTokens: (input + 3) / 4, outputTokens: (reply.count + 3) / 4)
    }
}
