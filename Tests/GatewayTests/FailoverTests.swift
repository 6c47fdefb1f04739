import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOConcurrencyHelpers
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps

/// PostgreSQL failover on PostgreSQL's own replication: the gateway on a multi-host URL
/// (`target_session_attrs=read-write`), the primary killed under chat load, the
/// synchronous standby promoted. The gateway serves again within 5 s without a restart,
/// loses no acknowledged turn, and answers only 503s with `Retry-After` meanwhile.
@Suite(.serialized) struct FailoverTests {
    @Test func promotingTheStandbyUnderLoadLosesNoAcknowledgedTurn() async throws {
        try await ReplicatedCluster.with(failover)
    }

    private func failover(_ cluster: ReplicatedCluster) async throws {
        let overrides = ["DATABASE_URL": cluster.url, "DB_POOL_SIZE": "8", "DB_POOL_TIMEOUT_SECONDS": "1"]
        try await TestApp.run(overrides, database: "unused") { client, services in
            try await services.migrate()
            try await client.register(email: "failover@example.com")
            let token = try await client.login(email: "failover@example.com").access
            let promoted = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
            let servedAgain = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
            var load = ChatLoad()
            load.onAcknowledged = {
                if promoted.withLockedValue({ $0 }) != nil { servedAgain.withLockedValue { $0 = $0 ?? .now } }
            }
            try await load.run(client, token: token, workers: 12, until: .now + .seconds(7)) {
                try await Task.sleep(for: .milliseconds(1500))
                try await cluster.crashPrimary()
                try await Task.sleep(for: .milliseconds(500))
                try await cluster.promoteStandby()
                promoted.withLockedValue { $0 = .now }
            }
            let seen = load.statuses.withLockedValue { $0 }
            #expect(Set(seen.keys).isSubset(of: [200, 503]), "statuses \(seen)")
            #expect(seen[503, default: 0] > 0, "the failover was noticed: \(seen)")
            let promotedAt = try #require(promoted.withLockedValue { $0 })
            let againAt = try #require(servedAgain.withLockedValue { $0 }, "never served after the promotion")
            #expect(againAt - promotedAt < .seconds(5), "served again \(againAt - promotedAt) after the promotion")
            // Every acknowledged turn is on the promoted standby.
            let (storedCount, acknowledgedCount) = try await load.stored(in: services.pool)
            #expect(acknowledgedCount >= 10, "load really ran")
            #expect(storedCount == acknowledgedCount)
            print(
                "failover: \(acknowledgedCount) acknowledged, \(storedCount) of them on the promoted standby; "
                    + "served again \(againAt - promotedAt) after the promotion; statuses \(seen)")
        }
    }
}
