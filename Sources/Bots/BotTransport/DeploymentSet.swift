import BotKit
import Synchronization

/// One upstream serving a bot (an API key, a region, a replica of a model server): its own
/// client (circuit breaker, connections, secret), its weight, and what it served.
package final class Deployment: Sendable {
    /// Its name in metrics and the admin API: its position, from 1.
    package let name: String
    package let client: UpstreamClient
    package let weight: Int
    /// Attempts running on it now.
    package let running = CallCounter()
    private let attempts = Atomic(0)
    private let failed = Atomic(0)
    /// Until when it is passed over while another deployment can take calls.
    private let coolingUntil = Mutex<ContinuousClock.Instant?>(nil)

    package init(name: String, client: UpstreamClient, weight: Int) {
        self.name = name
        self.client = client
        self.weight = max(1, weight)
    }

    /// An attempt starts on it.
    package func started() {
        attempts.add(1, ordering: .relaxed)
        running.started()
    }

    /// An attempt on it failed (any failure before or after output).
    package func noteFailure() { failed.add(1, ordering: .relaxed) }

    /// Passes it over for `duration` while another deployment can take calls (it said 429,
    /// or refused the credentials: failures its circuit breaker does not count).
    func coolOff(for duration: Duration) {
        coolingUntil.withLock { $0 = .now + duration }
    }

    var isCooling: Bool { coolingUntil.withLock { $0.map { ContinuousClock.now < $0 } ?? false } }

    package var statistics: DeploymentStatistics {
        DeploymentStatistics(
            name: name, weight: weight, calls: attempts.load(ordering: .relaxed), failures: failed.load(ordering: .relaxed),
            activeCalls: running.running, circuit: client.breaker.publicState,
            upstreamConnectionsOpened: client.connections.current)
    }
}

/// How calls are spread over a bot's deployments.
package enum Balance: String, Sendable, CaseIterable {
    /// The fewest attempts running per unit of weight; ties by weighted chance (the default).
    case leastInFlight = "least-in-flight"
    /// Weighted chance alone.
    case weighted
}

/// A bot's deployments and how a call picks one: among those not tried yet in the call and
/// whose circuit lets a call through, by `Balance`.
package struct DeploymentSet: Sendable {
    package let deployments: [Deployment]
    package let balance: Balance

    package init(_ deployments: [Deployment], balance: Balance = .leastInFlight) {
        precondition(deployments.isEmpty == false, "a bot has at least one deployment")
        self.deployments = deployments
        self.balance = balance
    }

    /// One upstream.
    package init(single client: UpstreamClient) {
        self.init([Deployment(name: "1", client: client, weight: 1)])
    }

    package var count: Int { deployments.count }
    package subscript(index: Int) -> Deployment { deployments[index] }

    /// The deployment for the next attempt, skipping `tried` and any whose circuit refuses
    /// (the one chosen may become its breaker's half-open probe); nil when none may take it.
    /// Deployments cooling off (after a 429 or refused credentials) come only when no other may.
    package func pick(excluding tried: Set<Int> = []) -> Int? {
        // One upstream (most bots): its breaker decides, with nothing to allocate per call.
        if deployments.count == 1 { return tried.contains(0) == false && deployments[0].client.breaker.allow() ? 0 : nil }
        let candidates = deployments.indices.filter { tried.contains($0) == false }
        let cooling = Set(candidates.filter { deployments[$0].isCooling })
        for var group in [candidates.filter { cooling.contains($0) == false }, candidates.filter(cooling.contains)] {
            while group.isEmpty == false {
                let chosen = choose(among: group)
                if deployments[chosen].client.breaker.allow() { return chosen }
                group.removeAll { $0 == chosen }
            }
        }
        return nil
    }

    /// Whether some deployment outside `tried` may take a call now (no probe is taken).
    package func hasCandidate(excluding tried: Set<Int>) -> Bool {
        deployments.indices.contains { index in
            guard tried.contains(index) == false else { return false }
            switch deployments[index].client.breaker.current {
            case .closed: return true
            case .halfOpen: return false
            case .open(let until): return ContinuousClock.now >= until
            }
        }
    }

    private func choose(among candidates: [Int]) -> Int {
        guard candidates.count > 1 else { return candidates[0] }
        var pool = candidates
        if balance == .leastInFlight {
            // Fewest running per unit of weight: compare a/wa < b/wb as a·wb < b·wa.
            func load(_ index: Int) -> (Int, Int) { (deployments[index].running.running, deployments[index].weight) }
            let lightest = candidates.min { load($0).0 * load($1).1 < load($1).0 * load($0).1 }!
            let (running, weight) = load(lightest)
            pool = candidates.filter { load($0).0 * weight == running * load($0).1 }
        }
        let total = pool.reduce(0) { $0 + deployments[$1].weight }
        var ticket = Int.random(in: 0..<total)
        for index in pool {
            ticket -= deployments[index].weight
            if ticket < 0 { return index }
        }
        return pool[pool.count - 1]
    }

    /// What the bot reports: connections and circuits over every deployment (its circuit
    /// is open only when every deployment's is), and each deployment's own figures.
    package func statistics(calls: CallCounter) -> BotStatistics {
        let each = deployments.map(\.statistics)
        let circuits = Set(each.map(\.circuit))
        let circuit: CircuitState =
            circuits.contains(.closed) ? .closed : circuits == [.open] ? .open : .halfOpen
        var statistics = BotStatistics(
            upstreamConnectionsOpened: each.reduce(0) { $0 + $1.upstreamConnectionsOpened }, activeCalls: calls.running,
            circuit: circuit)
        if deployments.count > 1 { statistics.deployments = each }
        return statistics
    }
}
