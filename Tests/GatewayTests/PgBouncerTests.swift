import Foundation
import HummingbirdTesting
import NIOConcurrencyHelpers
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import Postgres

/// Two gateways through one real PgBouncer in transaction pooling mode
/// (`default_pool_size` 10), their listeners on direct connections: every request may run
/// on any of the ten server connections, so nothing may rest on a session.
@Suite struct PgBouncerTests {
    @Test func twoGatewaysThroughOneTransactionPooler() async throws {
        let database = try await TestDatabase.createMigrated()
        try await PgBouncer.with(poolSize: 10) { bouncer in
            try Self.sessionModeThroughThePoolerIsNamed(bouncer.url(database))
            let overrides = [
                "DATABASE_URL": bouncer.url(database), "DATABASE_LISTEN_URL": TestDatabase.url(database),
                "DB_POOL_MODE": "transaction", "DB_POOL_SIZE": "10", "DB_POOL_TIMEOUT_SECONDS": "20",
                "REFRESH_REUSE_GRACE_SECONDS": "0",
                "ADMIN_EMAILS": BudgetTests.admins("bouncer"), "BOTS": "echo=echo,held=gated", "BOT_HELD_GATE": "bouncer",
            ]
            try await TestApp.run(overrides, database: database) { first, one in
                try await TestApp.run(overrides, database: database) { second, _ in
                    try await Self.accountsAndChat(first, second)
                    try await Self.revokedKeyIsRefusedByTheOther(first, second)
                    try await Self.budgetHoldsAcrossBoth(first, second, one, database: database)
                    // The server's sessions on this database: PgBouncer's (at most 10) and the
                    // two listeners', where direct pools would hold up to 2 × 10 + 2.
                    let sessions = try await TestDatabase.admin.query(
                        """
                        SELECT count(*)::int AS n FROM pg_stat_activity
                        WHERE datname = \(database) AND backend_type = 'client backend'
                        """)
                    #expect(try sessions.first?.decode("n", as: Int.self) ?? 99 <= 10 + 2)
                }
            }
        }
    }

    /// A gateway left in session mode behind the pooler: a second client session reaches the
    /// server session where the first prepared its statement, and the log says what to set.
    static func sessionModeThroughThePoolerIsNamed(_ url: String) throws {
        let capture = LogCapture()
        let one = PQConnection(conninfo: url, logger: capture.logger)
        let two = PQConnection(conninfo: url, logger: capture.logger)
        try one.ensureConnected()
        try two.ensureConnected()
        _ = try one.execute("SELECT $1::int AS v", ["1"])
        #expect(throws: DatabaseError.self) { try two.execute("SELECT $1::int AS v", ["2"]) }
        #expect(capture.all.contains("set DB_POOL_MODE=transaction"))
        one.close()
        two.close()
    }

    /// Register on one, log in and refresh on the other, chat on both in one conversation.
    static func accountsAndChat(_ first: any TestClientProtocol, _ second: any TestClientProtocol) async throws {
        #expect(try await first.register(email: "pool@example.com").status == .created)
        let login = try await second.login(email: "pool@example.com")
        let opened = try await first.send(.post, "/api/v1/chat", json: #"{"message":"hello"}"#, bearer: login.access)
        #expect(opened.status == .ok, "\(opened.text)")
        let conversation = try #require(try opened.json()["conversation_id"] as? String)
        let refreshed = try await second.send(.post, "/api/v1/users/refresh-token", cookie: login.refresh)
        #expect(refreshed.status == .ok)
        let access = try #require(try refreshed.json()["access_token"] as? String)
        let next = try await second.send(
            .post, "/api/v1/chat", json: #"{"message":"again","conversation_id":"\#(conversation)"}"#, bearer: access)
        #expect(next.status == .ok, "\(next.text)")
        let history = try await first.send(.get, "/api/v1/conversations/\(conversation)", bearer: access)
        #expect(history.status == .ok)
        #expect(history.text.components(separatedBy: #""role":"#).count - 1 == 4, "\(history.text)")
        // The old refresh token was rotated: refused by either.
        #expect(try await first.send(.post, "/api/v1/users/refresh-token", cookie: login.refresh).status == .unauthorized)
    }

    /// A key revoked through one gateway is refused by the other within a second (its cache
    /// hears the change on its direct LISTEN connection).
    static func revokedKeyIsRefusedByTheOther(_ first: any TestClientProtocol, _ second: any TestClientProtocol) async throws {
        let token = try await first.login(email: "pool@example.com").access
        let created = try await OpenAICompatibilityTests.key(first, token: token)
        let key = try #require(created["key"] as? String)
        let id = try #require(created["id"] as? String)
        #expect(try await second.send(.get, "/v1/models", bearer: key).status == .ok)
        #expect(try await first.send(.delete, "/api/v1/users/me/api-keys/\(id)", bearer: token).status == .noContent)
        let revoked = ContinuousClock.now
        var status = try await second.send(.get, "/v1/models", bearer: key).status
        while status == .ok, ContinuousClock.now - revoked < .seconds(1) {
            try await Task.sleep(for: .milliseconds(10))
            status = try await second.send(.get, "/v1/models", bearer: key).status
        }
        #expect(status == .unauthorized, "the other gateway still took a revoked key after a second")
    }

    /// 200 concurrent calls, split between the two, against a budget that fits 20: exactly
    /// 20 are served (each held until the 180 refusals are in), and the spend is exact.
    static func budgetHoldsAcrossBoth(
        _ first: any TestClientProtocol, _ second: any TestClientProtocol, _ services: GatewayServices, database: String
    ) async throws {
        let cast = try await BudgetTests.cast(first, services, "bouncer")
        try await BudgetTests.budget(first, cast, #""unit":"tokens","period":"day","limit":480"#)
        let body = #"{"model":"held","max_tokens":10,"messages":[{"role":"user","content":"budget"}]}"#
        let ports = [try #require(first.port), try #require(second.port)]
        let statuses = NIOLockedValueBox<[Int: Int]>([:])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for call in 0..<200 {
                group.addTask {
                    let (status, _) = try await RawHTTP.request(
                        port: ports[call % 2], "POST", "/v1/chat/completions", json: body,
                        headers: ["Authorization": "Bearer \(cast.key)"])
                    let refused = statuses.withLockedValue {
                        $0[status, default: 0] += 1
                        return $0[429, default: 0]
                    }
                    if refused == 180 { TestBots.gate(named: "bouncer").open() }
                }
            }
            try await group.waitForAll()
        }
        let seen = statuses.withLockedValue { $0 }
        #expect(seen[200] == 20, "\(seen)")
        #expect(seen[429] == 180, "\(seen)")
        let check = TestDatabase.pool(database, size: 1)
        var spent = -1
        for _ in 0..<200 {
            let row = try await check.query("SELECT spent, reserved FROM budgets").first
            if try row?.decode("reserved", as: Int.self) == 0 {
                spent = try row?.decode("spent", as: Int.self) ?? -1
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        // Twenty calls of one word in and one out.
        #expect(spent == 40)
        await check.shutdown()
    }
}
