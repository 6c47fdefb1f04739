import Foundation
import HummingbirdTesting
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import Postgres

/// `DATABASE_READ_URL` on a real streaming standby (`pg_basebackup`): lists, views and
/// reports read there while it keeps up, a user reads their own writes at once, and a
/// standby that stops replaying sends every read back to the primary.
@Suite(.serialized) struct ReadReplicaTests {
    @Test func readsThatMayLagGoToAStandbyThatKeepsUp() async throws {
        try await ReplicatedCluster.with { cluster in
            let primaryURL = "postgresql://postgres@127.0.0.1:\(cluster.primary.port)/postgres?application_name=gw-primary"
            let standbyURL = "postgresql://postgres@127.0.0.1:\(cluster.standby.port)/postgres?application_name=gw-reads"
            let overrides = [
                "DATABASE_URL": primaryURL, "DATABASE_READ_URL": standbyURL, "DATABASE_READ_MAX_LAG_SECONDS": "2",
                "ADMIN_EMAILS": "boss@example.com",
            ]
            let standby = PostgresPool(
                conninfo: "postgresql://postgres@127.0.0.1:\(cluster.standby.port)/postgres", size: 1,
                acquireTimeout: .seconds(10), logger: TestDatabase.quietLogger)
            defer { Task { await standby.shutdown() } }
            try await TestApp.run(overrides, database: "unused") { client, services in
                try await services.migrate()
                let reads = try #require(services.replicaReads)
                try await client.register(email: "reader@example.com")
                let token = try await client.login(email: "reader@example.com").access

                // Each turn is in the conversation read right after it: the writer's reads stay
                // on the primary until the standby has replayed the write.
                var conversation: String?
                for turn in 0..<30 {
                    let fields = conversation.map { #","conversation_id":"\#($0)""# } ?? ""
                    let sent = try await client.send(
                        .post, "/api/v1/chat", json: #"{"message":"turn \#(turn)"\#(fields)}"#, bearer: token)
                    #expect(sent.status == .ok)
                    conversation = try sent.json()["conversation_id"] as? String
                    let shown = try await client.send(.get, "/api/v1/conversations/\(conversation ?? "")", bearer: token)
                    #expect(shown.text.contains("turn \(turn)"), "turn \(turn) not read back at once")
                }

                // Once the standby has caught up, the user's lists and views are read there
                // (its session of this gateway ran them).
                let userID = try #require(
                    try await services.pool.query("SELECT id FROM users WHERE email = 'reader@example.com'").first?.decode(
                        "id", as: Int.self))
                // (Under load a sample may come late and send a list to the primary meanwhile:
                // lists are asked until one ran on the standby.)
                var ranOnStandby = false
                let asked = ContinuousClock.now
                while ranOnStandby == false, ContinuousClock.now - asked < .seconds(30) {
                    try await Self.waitUntil { reads.pool(for: userID) === reads.standby }
                    #expect(try await client.send(.get, "/api/v1/conversations", bearer: token).status == .ok)
                    ranOnStandby =
                        try await standby.query(
                            """
                            SELECT query FROM pg_stat_activity
                            WHERE application_name = 'gw-reads' AND query LIKE '%FROM conversations%'
                            """
                        ).count >= 1
                }
                #expect(ranOnStandby, "no list was read on the standby")
                #expect(try await standby.query("SELECT pg_is_in_recovery() AS r").first?.decode("r", as: Bool.self) == true)

                // The standby stops replaying: after the lag bound every read goes to the primary,
                // so a conversation written elsewhere (another replica: plain SQL here) is listed.
                _ = try await standby.query("SELECT pg_wal_replay_pause()")
                _ = try await services.pool.query(
                    "INSERT INTO conversations (id, user_id, title, bot) VALUES (gen_random_uuid(), \(userID), 'elsewhere', 'echo')"
                )
                try await Self.waitUntil { reads.pool(for: nil) === reads.primary }
                let listed = try await client.send(.get, "/api/v1/conversations", bearer: token)
                #expect(listed.text.contains("elsewhere"))
                _ = try await standby.query("SELECT pg_wal_replay_resume()")
                try await Self.waitUntil { reads.pool(for: nil) === reads.standby }

                // The standby goes away: reads are answered by the primary at once.
                try await cluster.sql(cluster.primary, "ALTER SYSTEM SET synchronous_standby_names = ''")
                try await cluster.sql(cluster.primary, "SELECT pg_reload_conf()")
                try await cluster.standby.stop()
                let fallback = try await client.send(.get, "/api/v1/conversations", bearer: token)
                #expect(fallback.status == .ok)
                #expect(fallback.text.contains("elsewhere"))
                #expect(reads.pool(for: nil) === reads.primary)
            }
        }
    }

    /// Polls `condition` (every 20 ms, at most 30 s).
    static func waitUntil(_ condition: () -> Bool) async throws {
        let start = ContinuousClock.now
        while condition() == false {
            guard ContinuousClock.now - start < .seconds(30) else { throw TestFailure("condition not met within 30 s") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
