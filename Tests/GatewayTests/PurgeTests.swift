import Crypto
import Foundation
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import GatewayPostgres
@testable import Postgres

/// The periodic purge: ended throttle windows and security events past their retention
/// go; live windows and recent events stay; a failing purge does not stop the others.
@Suite struct PurgeTests {
    @Test func oneRoundPurgesEachKindOfRow() async throws {
        try await TestApp.run(["LOGIN_FAILURE_WINDOW_SECONDS": "60"]) { client, services in
            try await client.register(email: "purge@example.com")
            for _ in 0..<2 {
                _ = try await client.send(
                    .post, "/api/v1/users/login", json: #"{"email":"purge@example.com","password":"Wrong0ne!"}"#)
            }
            let events = try #require(services.securityEvents)
            await events.flush()
            func count(_ table: String) async throws -> Int {
                try await services.pool.query("SELECT count(*) AS n FROM \(raw: table)").first?.decode("n", as: Int.self) ?? 0
            }
            let windows = try await count("throttle_windows")
            #expect(windows >= 2)
            let purge = PurgeService(
                sessions: services.sessions, throttles: services.throttleStore, securityEvents: events,
                securityEventsRetention: .days(90), interval: .seconds(600), retention: .days(1), logger: services.logger)
            await purge.purgeOnce()
            #expect(try await count("throttle_windows") == windows, "live windows were purged")
            let kept = try await count("security_events")
            #expect(kept >= 2)
            // One window ended, one event past the retention.
            _ = try await services.pool.query(
                "UPDATE throttle_windows SET window_start = now() - interval '2 minutes' WHERE ctid = (SELECT ctid FROM throttle_windows LIMIT 1)"
            )
            _ = try await services.pool.query(
                "UPDATE security_events SET at = now() - interval '91 days' WHERE id = (SELECT min(id) FROM security_events)")
            await purge.purgeOnce()
            #expect(try await count("throttle_windows") == windows - 1)
            #expect(try await count("security_events") == kept - 1)
        }
    }

    /// A database that cannot be reached: each kind of purge fails on its own, logged, and
    /// the round ends.
    @Test func aRoundWithoutTheDatabaseLogsEachFailure() async throws {
        let capture = LogCapture()
        let nowhere = PostgresPool(
            conninfo: "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2", size: 1, acquireTimeout: .milliseconds(200),
            logger: capture.logger)
        let purge = PurgeService(
            sessions: PostgresSessionRepository(pool: nowhere),
            throttles: PostgresThrottle(
                pool: nowhere, window: .seconds(60), secret: SymmetricKey(size: .bits256), logger: capture.logger),
            securityEvents: SecurityEventLog(pool: nowhere, logs: DampedLog(logger: capture.logger)),
            securityEventsRetention: .days(90),
            partitions: HistoryPartitions(pool: nowhere, messagesRetention: .days(30), logger: capture.logger),
            interval: .seconds(600), retention: .days(1), logger: capture.logger)
        await purge.purgeOnce()
        for failure in [
            "refresh token purge failed", "security event purge failed", "throttle purge failed",
            "history partition upkeep failed",
        ] {
            #expect(capture.all.contains(failure), "\(failure) not logged")
        }
        await nowhere.shutdown()
    }
}
