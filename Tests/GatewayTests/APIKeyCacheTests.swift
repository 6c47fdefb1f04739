import Foundation
import HummingbirdTesting
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import Postgres

/// API keys are answered from memory once warm, and every way a key can stop being valid
/// (revoked, re-dated, deleted or truncated, even by plain SQL) reaches the cache at once.
@Suite struct APIKeyCacheTests {
    /// A user with a key; returns the key's secret.
    static func keyed(_ client: any TestClientProtocol, _ services: GatewayServices, email: String) async throws -> String {
        #expect(
            try await AuthCacheTests.eventually {
                services.userCache?.isServing == true && services.apiKeyCache?.isServing == true
            })
        try await client.register(email: email)
        let token = try await client.login(email: email).access
        return try #require(try await OpenAICompatibilityTests.key(client, token: token)["key"] as? String)
    }

    @Test func aWarmKeyTouchesNoDatabase() async throws {
        try await TestApp.run { client, services in
            let key = try await Self.keyed(client, services, email: "warm@example.com")
            #expect(try await client.send(.get, "/v1/models", bearer: key).status == .ok)
            let before = services.pool.foregroundAcquisitions
            for _ in 0..<20 { #expect(try await client.send(.get, "/v1/models", bearer: key).status == .ok) }
            // Batch writers (background) may have written meanwhile; no check did.
            #expect(services.pool.foregroundAcquisitions == before, "bearer checks with a warm key used the database")
            // Its use is written later, in one batch.
            await services.keyUses.flush()
            let used = try await services.pool.query("SELECT count(*)::int AS n FROM api_keys WHERE last_used_at IS NOT NULL")
            #expect(try used.first?.decode("n", as: Int.self) == 1)
        }
    }

    /// With quotas off, a proxied call with a warm key touches no database; its usage is
    /// written in the next batch.
    @Test func aProxiedCallTouchesNoDatabase() async throws {
        try await TestApp.run { client, services in
            let key = try await Self.keyed(client, services, email: "proxy@example.com")
            let body = #"{"model":"default","messages":[{"role":"user","content":"one two three"}]}"#
            #expect(try await client.send(.post, "/v1/chat/completions", json: body, bearer: key).status == .ok)
            let before = services.pool.foregroundAcquisitions
            for _ in 0..<20 {
                #expect(try await client.send(.post, "/v1/chat/completions", json: body, bearer: key).status == .ok)
            }
            // Only batch writers (background) may have used it, never a call.
            #expect(services.pool.foregroundAcquisitions == before, "proxied calls used the database")
            await services.usageBatcher.flush()
            let row = try #require(try await services.pool.query("SELECT requests FROM usage_daily").first)
            #expect(try row.decode("requests", as: Int.self) == 21)
        }
    }

    @Test(arguments: [
        "UPDATE api_keys SET revoked_at = now()", "UPDATE api_keys SET expires_at = now() - interval '1 second'",
        "DELETE FROM api_keys", "TRUNCATE api_keys",
    ])
    func plainSQLChangesReachTheKeyCacheAtOnce(statement: String) async throws {
        try await TestApp.run { client, services in
            let key = try await Self.keyed(client, services, email: "sql@example.com")
            #expect(try await client.send(.get, "/v1/models", bearer: key).status == .ok)
            #expect(try await client.send(.get, "/v1/models", bearer: key).status == .ok)
            _ = try await services.pool.query(SQL(stringLiteral: statement))
            #expect(
                try await AuthCacheTests.eventually(1) {
                    try await client.send(.get, "/v1/models", bearer: key).status == .unauthorized
                })
        }
    }

    /// `DATABASE_LISTEN_URL`: the listener holds its LISTEN session there (here the same
    /// database under its own application name, as a direct connection past a pooler would be).
    @Test func theListenerUsesItsOwnURL() async throws {
        let name = try await TestDatabase.createMigrated()
        let listen = TestDatabase.url(name) + "?application_name=cache-listener"
        try await TestApp.run(["DATABASE_LISTEN_URL": listen], database: name) { client, services in
            #expect(
                try await AuthCacheTests.eventually {
                    let rows = try await services.pool.query(
                        "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'cache-listener' AND query LIKE 'LISTEN%'"
                    )
                    return try rows.first?.decode("n") as Int? == 1
                })
            let key = try await Self.keyed(client, services, email: "listen@example.com")
            #expect(try await client.send(.get, "/v1/models", bearer: key).status == .ok)
            _ = try await services.pool.query("UPDATE api_keys SET revoked_at = now()")
            #expect(
                try await AuthCacheTests.eventually {
                    try await client.send(.get, "/v1/models", bearer: key).status == .unauthorized
                })
        }
    }

    @Test func aKeyGoesWithItsUser() async throws {
        try await TestApp.run { client, services in
            let key = try await Self.keyed(client, services, email: "gone@example.com")
            #expect(try await client.send(.get, "/v1/models", bearer: key).status == .ok)
            _ = try await services.pool.query("TRUNCATE users CASCADE")
            #expect(
                try await AuthCacheTests.eventually(1) {
                    try await client.send(.get, "/v1/models", bearer: key).status == .unauthorized
                })
        }
    }

    @Test func withoutCachesEveryCheckReadsTheDatabase() async throws {
        try await TestApp.run(["USER_CACHE_SECONDS": "0"]) { client, services in
            try await client.register(email: "cold@example.com")
            let token = try await client.login(email: "cold@example.com").access
            let key = try #require(try await OpenAICompatibilityTests.key(client, token: token)["key"] as? String)
            let before = services.pool.acquisitions
            #expect(try await client.send(.get, "/v1/models", bearer: key).status == .ok)
            #expect(services.pool.acquisitions > before)
            _ = try await services.pool.query("UPDATE api_keys SET revoked_at = now()")
            #expect(try await client.send(.get, "/v1/models", bearer: key).status == .unauthorized)
        }
    }
}
