import GatewayCore
import GatewayDomain
import GatewayHTTP
import Metrics
import NIOConcurrencyHelpers

/// Turns the bots' own running totals (`BotProvider.statistics`) into Prometheus counters
/// at scrape time: `gateway_bot_upstream_connections_total{bot}` grows by what each bot
/// opened since the previous scrape; a bot served by several deployments also shows each
/// one's attempts, failures, running attempts and circuit (`gateway_bot_deployment_*`).
package final class BotStatisticsExporter: Sendable {
    private let bots: BotDirectory
    private let exported = NIOLockedValueBox<[String: Int]>([:])

    package init(bots: BotDirectory) { self.bots = bots }

    package func refresh() {
        exported.withLockedValue { exported in
            for entry in bots.entries {
                let statistics = entry.provider.statistics
                let total = statistics.upstreamConnectionsOpened
                let counter = Counter(label: "gateway_bot_upstream_connections_total", dimensions: [("bot", entry.name)])
                // Incremented by 0 on the first scrape too, so every bot's family is present.
                counter.increment(by: max(0, total - exported[entry.name, default: 0]))
                exported[entry.name] = total
                for deployment in statistics.deployments {
                    let dimensions = [("bot", entry.name), ("deployment", deployment.name)]
                    for (label, value) in [
                        ("gateway_bot_deployment_calls_total", deployment.calls),
                        ("gateway_bot_deployment_failures_total", deployment.failures),
                    ] {
                        let key = "\(label)|\(entry.name)|\(deployment.name)"
                        Counter(label: label, dimensions: dimensions).increment(by: max(0, value - exported[key, default: 0]))
                        exported[key] = value
                    }
                    Gauge(label: "gateway_bot_deployment_active_calls", dimensions: dimensions).record(deployment.activeCalls)
                    Gauge(label: "gateway_bot_deployment_circuit_open", dimensions: dimensions)
                        .record(deployment.circuit == .closed ? 0 : 1)
                }
            }
        }
    }
}
