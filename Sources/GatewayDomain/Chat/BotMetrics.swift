import BotKit
import GatewayCore
import Metrics
import NIOConcurrencyHelpers

/// The bot metric families: calls by bot and outcome, latency, time to first token and
/// tokens by bot and direction.
/// Each is also kept per bot in `latencies` for the admin API.
package struct BotMetrics: Sendable {
    package var latencies = BotLatencies()
    private let handles = NIOLockedValueBox<[String: Handles]>([:])

    /// Outcomes counted in `gateway_bot_calls_total{bot,outcome}`.
    package enum Outcome: String, CaseIterable {
        case ok, failed, timeout
        case rateLimited = "rate_limited"
        case fallback
        case circuitOpen = "circuit_open"
        case cancelled
    }

    /// One bot's metric objects, made once: making one per event looks it up in the
    /// registry under a lock each time. Bots come from the configuration, so the table is
    /// bounded by it.
    package final class Handles: Sendable {
        package let calls: [Outcome: Counter]
        package let latency: Timer
        package let timeToFirstToken: Timer
        package let inputTokens: Counter
        package let outputTokens: Counter

        package init(bot: String) {
            calls = Dictionary(
                uniqueKeysWithValues: Outcome.allCases.map {
                    ($0, Counter(label: "gateway_bot_calls_total", dimensions: [("bot", bot), ("outcome", $0.rawValue)]))
                })
            latency = Timer(label: "gateway_bot_latency_seconds", dimensions: [("bot", bot)])
            timeToFirstToken = Timer(label: "gateway_bot_time_to_first_token_seconds", dimensions: [("bot", bot)])
            inputTokens = Counter(label: "gateway_bot_tokens_total", dimensions: [("bot", bot), ("direction", "input")])
            outputTokens = Counter(label: "gateway_bot_tokens_total", dimensions: [("bot", bot), ("direction", "output")])
        }
    }

    private func handles(_ bot: String) -> Handles {
        handles.withLockedValue { table in
            if let found = table[bot] { return found }
            let made = Handles(bot: bot)
            table[bot] = made
            return made
        }
    }

    package func call(bot: String, _ outcome: Outcome) {
        handles(bot).calls[outcome]?.increment()
        latencies.call(bot: bot, outcome: outcome.rawValue)
    }

    package func latency(bot: String, _ duration: Duration) {
        handles(bot).latency.record(duration: duration)
        latencies.latency(bot: bot, duration)
    }

    package func timeToFirstToken(bot: String, _ duration: Duration) {
        handles(bot).timeToFirstToken.record(duration: duration)
        latencies.timeToFirstToken(bot: bot, duration)
    }

    package func tokens(bot: String, _ usage: TokenUsage) {
        let handles = handles(bot)
        handles.inputTokens.increment(by: usage.inputTokens)
        handles.outputTokens.increment(by: usage.outputTokens)
    }

    /// A failed call charged because the upstream may have run it
    /// (`gateway_bot_unknown_outcomes_total{bot}`).
    package func unknownOutcome(bot: String) {
        Counter(label: "gateway_bot_unknown_outcomes_total", dimensions: [("bot", bot)]).increment()
    }

    /// A finished turn that could not be stored (`gateway_chat_turns_not_stored_total`).
    /// A token count answered: by the model's service (`upstream`) or estimated.
    package func tokenCount(bot: String, upstream: Bool) {
        Counter(label: "gateway_token_counts_total", dimensions: [("bot", bot), ("source", upstream ? "upstream" : "estimate")])
            .increment()
    }

    package func storeFailed() {
        Counter(label: "gateway_chat_turns_not_stored_total").increment()
    }

    package static func outcome(for error: BotError) -> Outcome {
        switch error {
        case .timeout: .timeout
        case .rateLimited: .rateLimited
        case .unavailable(let why) where why.contains("circuit"): .circuitOpen
        default: .failed
        }
    }
}
