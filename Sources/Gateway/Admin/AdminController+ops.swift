import BotKit
import Hummingbird

/// `GET /api/v1/admin/bots` and `GET /api/v1/admin/config`: what operators check first.
extension AdminController {
    /// Percentiles of this replica's last calls (at most 1,024), in milliseconds.
    struct Percentiles: Encodable, Sendable {
        let p50: Double
        let p90: Double
        let p99: Double
        let samples: Int

        init?(_ ring: BotLatencies.Ring) {
            guard let values = ring.percentiles([0.5, 0.9, 0.99]) else { return nil }
            p50 = values[0]
            p90 = values[1]
            p99 = values[2]
            samples = ring.values.count
        }
    }

    /// A bot's prices, per million tokens in the currency.
    struct Prices: Encodable, Sendable {
        let input: Double
        let output: Double
        let cached_input: Double
        let currency: String
    }

    struct AdminBot: Encodable, Sendable {
        let name: String
        let kind: String
        let `default`: Bool
        let fallback: Bool
        let healthy: Bool
        let detail: String
        let circuit: CircuitState?
        let active_calls: Int
        let upstream_connections_opened: Int
        /// Calls since this replica started, by outcome.
        let calls: [String: Int]
        let latency_ms: Percentiles?
        let time_to_first_token_ms: Percentiles?
        let timeout_seconds: Double
        let price: Prices
    }

    struct Setting: Encodable, Sendable {
        let key: String
        let value: String
    }

    struct Settings: Encodable, Sendable {
        let settings: [Setting]
    }

    func addOperationsRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("bots") { _, _ in JSONResponse(await adminBots()) }
        group.get("config") { _, _ in JSONResponse(Settings(settings: settings.map { Setting(key: $0.0, value: $0.1) })) }
    }

    /// Every bot with its health (probed now, concurrently), breaker, load and this
    /// replica's latency percentiles.
    func adminBots() async -> [AdminBot] {
        let health = await BotsController(bots: bots, bearer: bearer).health()
        return zip(bots.entries, health).map { entry, info in
            let statistics = entry.provider.statistics
            let stats = latencies.stats(bot: entry.name)
            func perMillion(_ micros: Int) -> Double { Double(micros) / 1_000_000 }
            return AdminBot(
                name: entry.name, kind: entry.kind, default: info.default, fallback: info.fallback, healthy: info.healthy,
                detail: info.detail, circuit: statistics.circuit, active_calls: statistics.activeCalls,
                upstream_connections_opened: statistics.upstreamConnectionsOpened, calls: stats.outcomes,
                latency_ms: Percentiles(stats.latency), time_to_first_token_ms: Percentiles(stats.firstToken),
                timeout_seconds: entry.timeout.milliseconds / 1000,
                price: Prices(
                    input: perMillion(entry.price.input), output: perMillion(entry.price.output),
                    cached_input: perMillion(entry.price.cachedInput), currency: currency))
        }
    }
}
