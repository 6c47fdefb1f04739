import BotKit
import Foundation
import GatewayCore
import NIOConcurrencyHelpers

/// Each bot's last health answer, probed at most once per `period`
/// (`BOT_HEALTH_CACHE_SECONDS`) whoever asks: readers never wait on an upstream. A stale
/// or missing answer starts one probe in the background (never two for one bot at once)
/// and the reader gets what is known now; a bot not probed yet reads as healthy with the
/// detail "not probed yet".
package final class BotHealthCache: Sendable {
    package struct Entry {
        package var health: BotHealth?
        package var probedAt: ContinuousClock.Instant?
        package var probing = false
    }

    package let period: Duration
    private let entries: NIOLockedValueBox<[String: Entry]>
    private let clock = ContinuousClock()

    package init(period: Duration) {
        self.period = period
        entries = NIOLockedValueBox([:])
    }

    /// What is known of `name` now; starts a probe of `provider` when that is stale.
    package func health(of name: String, provider: any BotProvider) -> BotHealth {
        let now = clock.now
        let (known, probe) = entries.withLockedValue { entries -> (BotHealth?, Bool) in
            var entry = entries[name] ?? Entry()
            let fresh = entry.probedAt.map { now - $0 < period } ?? false
            let probe = fresh == false && entry.probing == false
            if probe { entry.probing = true }
            entries[name] = entry
            return (entry.health, probe)
        }
        if probe { Task.detached { [self] in await self.probe(name, provider) } }
        return known ?? BotHealth(healthy: true, detail: "not probed yet")
    }

    /// How long one probe may take: a plugin whose `health()` never returns reads as
    /// unhealthy after it, and is probed again next period.
    package static let probeTimeout: Duration = .seconds(10)

    /// `provider.health()`, or unhealthy once `limit` passed.
    package static func probe(_ provider: any BotProvider, within limit: Duration) async -> BotHealth {
        await value(within: limit) { await provider.health() }
            ?? BotHealth(healthy: false, detail: "health check timed out")
    }

    /// Probes `name` and keeps the answer (a probe started by a reader stays marked until
    /// its own answer comes).
    private func probe(_ name: String, _ provider: any BotProvider, clearingMark: Bool = true) async {
        let health = await Self.probe(provider, within: Self.probeTimeout)
        entries.withLockedValue { entries in
            let probing = clearingMark ? false : entries[name]?.probing ?? false
            entries[name] = Entry(health: health, probedAt: clock.now, probing: probing)
        }
    }

    /// Probes every bot of `bots` now and keeps the answers (at startup, in the background,
    /// and in tests; readers never call this).
    package func refresh(_ bots: BotDirectory) async {
        await withTaskGroup(of: Void.self) { group in
            for bot in bots.entries {
                group.addTask { [self] in await probe(bot.name, bot.provider, clearingMark: false) }
            }
        }
    }
}
