import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOConcurrencyHelpers
import Testing

@testable import Gateway

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
            let acknowledged = NIOLockedValueBox<[String]>([])
            let statuses = NIOLockedValueBox<[UInt: Int]>([:])
            let promoted = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
            let servedAgain = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
            let stop = ContinuousClock.now + .seconds(7)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<12 {
                    group.addTask {
                        var index = 0
                        while ContinuousClock.now < stop {
                            index += 1
                            let response = try await client.send(
                                .post, "/api/v1/chat", json: #"{"message":"turn \#(worker)-\#(index)"}"#, bearer: token)
                            statuses.withLockedValue { $0[UInt(response.status.code), default: 0] += 1 }
                            if response.status == .ok, let id = try response.json()["message_id"] as? String {
                                acknowledged.withLockedValue { $0.append(id) }
                                if promoted.withLockedValue({ $0 }) != nil {
                                    servedAgain.withLockedValue { $0 = $0 ?? .now }
                                }
                            }
                            if response.status == .serviceUnavailable {
                                #expect(response.headers[.retryAfter] != nil)
                                try await Task.sleep(for: .milliseconds(20))
                            }
                        }
                    }
                }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(1500))
                    try await cluster.crashPrimary()
                    try await Task.sleep(for: .milliseconds(500))
                    try await cluster.promoteStandby()
                    promoted.withLockedValue { $0 = .now }
                }
                try await group.waitForAll()
            }
            let seen = statuses.withLockedValue { $0 }
            #expect(Set(seen.keys).isSubset(of: [200, 503]), "statuses \(seen)")
            #expect(seen[503, default: 0] > 0, "the failover was noticed: \(seen)")
            let promotedAt = try #require(promoted.withLockedValue { $0 })
            let againAt = try #require(servedAgain.withLockedValue { $0 }, "never served after the promotion")
            #expect(againAt - promotedAt < .seconds(5), "served again \(againAt - promotedAt) after the promotion")
            // Every acknowledged turn is on the promoted standby.
            let ids = acknowledged.withLockedValue { $0 }.compactMap(UUID.init(uuidString:))
            #expect(ids.count > 20)
            let stored = try await services.pool.query(
                "SELECT count(*) AS n FROM messages WHERE id = ANY(\(PostgresArray(ids))::uuid[])")
            let storedCount = try stored.first?.decode("n", as: Int.self) ?? 0
            #expect(storedCount == ids.count)
            print(
                "failover: \(ids.count) acknowledged, \(storedCount) of them on the promoted standby; "
                    + "served again \(againAt - promotedAt) after the promotion; statuses \(seen)")
        }
    }
}
