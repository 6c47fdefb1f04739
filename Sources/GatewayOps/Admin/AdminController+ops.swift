import BotKit
import GatewayCore
import GatewayDomain
import GatewayHTTP
import Hummingbird

/// `GET /api/v1/admin/bots` and `GET /api/v1/admin/config`: what operators check first.
extension AdminController {
    /// Percentiles of this replica's last calls (at most 1,024), in milliseconds.
    package struct Percentiles: Encodable, Sendable {
        package let p50: Double
        package let p90: Double
        package let p99: Double
        package let samples: Int

        package init?(_ ring: BotLatencies.Ring) {
            guard let values = ring.percentiles([0.5, 0.9, 0.99]) else { return nil }
            p50 = values[0]
            p90 = values[1]
            p99 = values[2]
            samples = ring.values.count
        }
    }

    /// A bot's prices, per million tokens in the currency.
    package struct Prices: Encodable, Sendable {
        package let input: Double
        package let output: Double
        package let cached_input: Double
        package let currency: String
    }

    /// `GET /api/v1/bots`'s fields of a bot, then what operators see beside them.
    package struct AdminBot: Encodable, Sendable {
        package let info: BotsController.BotInfo
        package let circuit: CircuitState?
        package let active_calls: Int
        package let upstream_connections_opened: Int
        /// Calls since this replica started, by outcome.
        package let calls: [String: Int]
        package let latency_ms: Percentiles?
        package let time_to_first_token_ms: Percentiles?
        package let timeout_seconds: Double
        package let price: Prices
        /// Each upstream of a bot served by several (absent: one).
        package let deployments: [AdminDeployment]?

        package enum CodingKeys: String, CodingKey {
            case circuit, active_calls, upstream_connections_opened, calls, latency_ms, time_to_first_token_ms
            case timeout_seconds, price, deployments
        }

        /// One flat object: `info`'s members, then these.
        package func encode(to encoder: any Encoder) throws {
            try info.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeIfPresent(circuit, forKey: .circuit)
            try container.encode(active_calls, forKey: .active_calls)
            try container.encode(upstream_connections_opened, forKey: .upstream_connections_opened)
            try container.encode(calls, forKey: .calls)
            try container.encodeIfPresent(latency_ms, forKey: .latency_ms)
            try container.encodeIfPresent(time_to_first_token_ms, forKey: .time_to_first_token_ms)
            try container.encode(timeout_seconds, forKey: .timeout_seconds)
            try container.encode(price, forKey: .price)
            try container.encodeIfPresent(deployments, forKey: .deployments)
        }
    }

    /// One deployment of a bot: its share, what this replica sent it, its circuit.
    package struct AdminDeployment: Encodable, Sendable {
        package let name: String
        package let weight: Int
        package let calls: Int
        package let failures: Int
        package let active_calls: Int
        package let circuit: CircuitState
        package let upstream_connections_opened: Int

        package init(_ statistics: DeploymentStatistics) {
            name = statistics.name
            weight = statistics.weight
            calls = statistics.calls
            failures = statistics.failures
            active_calls = statistics.activeCalls
            circuit = statistics.circuit
            upstream_connections_opened = statistics.upstreamConnectionsOpened
        }
    }

    package struct Setting: Encodable, Sendable {
        package let key: String
        package let value: String
    }

    package struct Settings: Encodable, Sendable {
        package let settings: [Setting]
    }

    package func addOperationsRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("bots") { _, _ in JSONResponse(await adminBots()) }
        group.get("config") { _, _ in JSONResponse(Settings(settings: settings.map { Setting(key: $0.0, value: $0.1) })) }
    }

    /// Every bot with its health (as last probed, `BOT_HEALTH_CACHE_SECONDS`), breaker, load
    /// and this replica's latency percentiles.
    package func adminBots() async -> [AdminBot] {
        let health = BotsController(bots: bots, bearer: bearer).health()
        return zip(bots.entries, health).map { entry, info in
            let statistics = entry.provider.statistics
            let stats = latencies.stats(bot: entry.name)
            func perMillion(_ micros: Int) -> Double { Double(micros) / 1_000_000 }
            return AdminBot(
                info: info, circuit: statistics.circuit, active_calls: statistics.activeCalls,
                upstream_connections_opened: statistics.upstreamConnectionsOpened, calls: stats.outcomes,
                latency_ms: Percentiles(stats.latency), time_to_first_token_ms: Percentiles(stats.firstToken),
                timeout_seconds: entry.timeout.timeInterval,
                price: Prices(
                    input: perMillion(entry.price.input), output: perMillion(entry.price.output),
                    cached_input: perMillion(entry.price.cachedInput), currency: currency),
                deployments: statistics.deployments.isEmpty ? nil : statistics.deployments.map(AdminDeployment.init))
        }
    }
}
