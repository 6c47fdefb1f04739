import GatewayCore
import NIOConcurrencyHelpers

/// This replica's recent calls per bot, for the admin API: the last 1,024 latencies and
/// times to first token (rings, so memory is bounded by the configured bots) and the calls
/// by outcome since the process started.
package final class BotLatencies: Sendable {
    /// The last `capacity` values, in milliseconds.
    package struct Ring {
        package static let capacity = 1024
        package private(set) var values: [Double] = []
        private var next = 0

        package mutating func add(_ value: Double) {
            if values.count < Self.capacity {
                values.append(value)
            } else {
                values[next] = value
                next = (next + 1) % Self.capacity
            }
        }

        /// The nearest-rank percentiles `ranks` (0–1) of the values; nil when there are none.
        package func percentiles(_ ranks: [Double]) -> [Double]? {
            guard values.isEmpty == false else { return nil }
            let sorted = values.sorted()
            return ranks.map { rank in
                let index = Int((rank * Double(sorted.count)).rounded(.up)) - 1
                return sorted[min(max(index, 0), sorted.count - 1)]
            }
        }
    }

    package struct Stats {
        package var latency = Ring()
        package var firstToken = Ring()
        package var outcomes: [String: Int] = [:]
    }

    private let stats = NIOLockedValueBox<[String: Stats]>([:])

    package func latency(bot: String, _ duration: Duration) {
        stats.withLockedValue { $0[bot, default: Stats()].latency.add(duration.milliseconds) }
    }

    package func timeToFirstToken(bot: String, _ duration: Duration) {
        stats.withLockedValue { $0[bot, default: Stats()].firstToken.add(duration.milliseconds) }
    }

    package func call(bot: String, outcome: String) {
        stats.withLockedValue { $0[bot, default: Stats()].outcomes[outcome, default: 0] += 1 }
    }

    /// What was recorded for `bot` (empty when nothing was).
    package func stats(bot: String) -> Stats { stats.withLockedValue { $0[bot] ?? Stats() } }
}
