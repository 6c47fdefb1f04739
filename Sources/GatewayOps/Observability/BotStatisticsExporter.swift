import GatewayCore
import GatewayDomain
import GatewayHTTP
import Metrics
import NIOConcurrencyHelpers

/// Turns the bots' own running totals (`BotProvider.statistics`) into Prometheus counters
/// at scrape time: `gateway_bot_upstream_connections_total{bot}` grows by what each bot
/// opened since the previous scrape.
package final class BotStatisticsExporter: Sendable {
    private let bots: BotDirectory
    private let exported = NIOLockedValueBox<[String: Int]>([:])

    package init(bots: BotDirectory) { self.bots = bots }

    package func refresh() {
        exported.withLockedValue { exported in
            for entry in bots.entries {
                let total = entry.provider.statistics.upstreamConnectionsOpened
                let counter = Counter(label: "gateway_bot_upstream_connections_total", dimensions: [("bot", entry.name)])
                // Incremented by 0 on the first scrape too, so every bot's family is present.
                counter.increment(by: max(0, total - exported[entry.name, default: 0]))
                exported[entry.name] = total
            }
        }
    }
}
