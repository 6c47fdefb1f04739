import BotKit
import Metrics

/// The bot metric families: calls by bot and outcome, latency, time to first token and
/// tokens by bot and direction.
/// Each is also kept per bot in `latencies` for the admin API.
struct BotMetrics: Sendable {
    var latencies = BotLatencies()

    /// Outcomes counted in `gateway_bot_calls_total{bot,outcome}`.
    enum Outcome: String {
        case ok, failed, timeout
        case rateLimited = "rate_limited"
        case fallback
        case circuitOpen = "circuit_open"
        case cancelled
    }

    func call(bot: String, _ outcome: Outcome) {
        Counter(label: "gateway_bot_calls_total", dimensions: [("bot", bot), ("outcome", outcome.rawValue)]).increment()
        latencies.call(bot: bot, outcome: outcome.rawValue)
    }

    func latency(bot: String, _ duration: Duration) {
        Timer(label: "gateway_bot_latency_seconds", dimensions: [("bot", bot)]).record(duration: duration)
        latencies.latency(bot: bot, duration)
    }

    func timeToFirstToken(bot: String, _ duration: Duration) {
        Timer(label: "gateway_bot_time_to_first_token_seconds", dimensions: [("bot", bot)]).record(duration: duration)
        latencies.timeToFirstToken(bot: bot, duration)
    }

    func tokens(bot: String, _ usage: TokenUsage) {
        Counter(label: "gateway_bot_tokens_total", dimensions: [("bot", bot), ("direction", "input")])
            .increment(by: usage.inputTokens)
        Counter(label: "gateway_bot_tokens_total", dimensions: [("bot", bot), ("direction", "output")])
            .increment(by: usage.outputTokens)
    }

    /// A finished turn that could not be stored (`gateway_chat_turns_not_stored_total`).
    func storeFailed() {
        Counter(label: "gateway_chat_turns_not_stored_total").increment()
    }

    static func outcome(for error: BotError) -> Outcome {
        switch error {
        case .timeout: .timeout
        case .rateLimited: .rateLimited
        case .unavailable(let why) where why.contains("circuit"): .circuitOpen
        default: .failed
        }
    }
}
