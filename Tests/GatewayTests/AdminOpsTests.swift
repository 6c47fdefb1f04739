import Foundation
import HummingbirdTesting
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps

/// What administrators check first: bots (health, breaker, latency percentiles, prices),
/// the effective configuration, and a user's sessions and keys.
@Suite struct AdminOpsTests {
    static func array(_ response: TestResponse) throws -> [[String: Any]] {
        guard let array = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]] else {
            throw TestFailure("not a JSON array: \(response.text)")
        }
        return array
    }

    @Test func botsShowHealthBreakerLatencyAndPrices() async throws {
        let env = [
            "ADMIN_EMAILS": "ops@example.com", "BOTS": "sick=failing,remote=http", "BOT_ECHO_PRICE_INPUT": "2.5",
            "BOT_REMOTE_URL": "http://127.0.0.1:1/v1", "BOT_REMOTE_MODEL": "m", "BOT_REMOTE_RETRIES": "0",
            "BOT_REMOTE_BREAKER_FAILURES": "1",
        ]
        try await TestApp.run(env) { client, services in
            let token = try await AdminTests.admin(client, services, "ops@example.com")
            for message in ["one", "two", "three"] {
                #expect(
                    try await client.send(.post, "/api/v1/chat", json: #"{"message":"\#(message)"}"#, bearer: token).status == .ok
                )
            }
            // The remote bot cannot connect: its one failure opens the circuit.
            _ = try await client.send(.post, "/api/v1/chat", json: #"{"message":"x","bot":"remote"}"#, bearer: token)
            await services.bots.health.refresh(services.bots)
            let bots = try Self.array(try await client.send(.get, "/api/v1/admin/bots", bearer: token))
            #expect(bots.map { $0["name"] as? String } == ["default", "sick", "remote"])
            let echo = bots[0]
            #expect(echo["healthy"] as? Bool == true)
            #expect(echo["circuit"] == nil)
            #expect((echo["calls"] as? [String: Int])?["ok"] == 3)
            let latency = try #require(echo["latency_ms"] as? [String: Any])
            #expect(latency["samples"] as? Int == 3)
            let p50 = try #require(latency["p50"] as? Double)
            let p99 = try #require(latency["p99"] as? Double)
            #expect(p50 >= 0 && p50 <= p99)
            #expect((echo["price"] as? [String: Any])?["input"] as? Double == 2.5)
            #expect((echo["price"] as? [String: Any])?["currency"] as? String == "USD")
            #expect(bots[1]["healthy"] as? Bool == false)
            #expect(bots[1]["latency_ms"] == nil)
            #expect(bots[2]["circuit"] as? String == "open")
            #expect((bots[2]["calls"] as? [String: Int])?["failed"] == 1)
        }
    }

    @Test func theEffectiveConfigurationHidesSecrets() async throws {
        let env = [
            "ADMIN_EMAILS": "conf@example.com", "BOTS": "remote=http", "BOT_REMOTE_URL": "http://me:hunter2@127.0.0.1:1/v1",
            "BOT_REMOTE_API_KEY": "sk-very-secret", "BOT_REMOTE_MODEL": "m",
        ]
        try await TestApp.run(env) { client, services in
            let token = try await AdminTests.admin(client, services, "conf@example.com")
            let response = try await client.send(.get, "/api/v1/admin/config", bearer: token)
            #expect(response.status == .ok)
            #expect(response.text.contains("hunter2") == false)
            #expect(response.text.contains("sk-very-secret") == false)
            #expect(response.text.contains(TestApp.secret) == false)
            let settings = try #require(try response.json()["settings"] as? [[String: String]])
            let values = Dictionary(settings.map { ($0["key"] ?? "", $0["value"] ?? "") }) { $1 }
            #expect(values["SECRET_KEY"] == "******")
            #expect(values["BOT_REMOTE_API_KEY"] == "******")
            #expect(values["BOT_REMOTE_URL"] == "http://me:******@127.0.0.1:1/v1")
            #expect(values["BOT_REMOTE_MODEL"] == "m")
            #expect(values["COST_CURRENCY"] == "USD")
        }
    }

    @Test func administratorsRevokeAUsersSessionsAndKeys() async throws {
        try await TestApp.run(["ADMIN_EMAILS": "warden@example.com"]) { client, services in
            let admin = try await AdminTests.admin(client, services, "warden@example.com")
            let registered = try await client.register(email: "inmate@example.com")
            let id = try #require(try registered.json()["id"] as? Int)
            let (access, refresh) = try await client.login(email: "inmate@example.com")
            let key = try #require(try await OpenAICompatibilityTests.key(client, token: access)["key"] as? String)
            #expect(try await client.send(.get, "/api/v1/admin/users/\(id)/sessions", bearer: access).status == .forbidden)

            let sessions = try Self.array(try await client.send(.get, "/api/v1/admin/users/\(id)/sessions", bearer: admin))
            let session = try #require(sessions.first?["id"] as? String)
            #expect(sessions.count == 1)
            let path = "/api/v1/admin/users/\(id)/sessions/\(session)"
            #expect(try await client.send(.delete, path, bearer: admin).status == .noContent)
            #expect(try await client.send(.delete, path, bearer: admin).status == .notFound)
            #expect(try await client.send(.post, "/api/v1/users/refresh-token", cookie: refresh).status == .unauthorized)

            let keys = try Self.array(try await client.send(.get, "/api/v1/admin/users/\(id)/api-keys", bearer: admin))
            let keyID = try #require(keys.first?["id"] as? String)
            #expect(try await client.send(.get, "/v1/models", bearer: key).status == .ok)
            #expect(
                try await client.send(.delete, "/api/v1/admin/users/\(id)/api-keys/\(keyID)", bearer: admin).status == .noContent)
            #expect(try await client.send(.get, "/v1/models", bearer: key).status == .unauthorized)
            // Another user's key, or no key at all, is not found.
            #expect(
                try await client.send(.delete, "/api/v1/admin/users/\(id + 1)/api-keys/\(keyID)", bearer: admin).status
                    == .notFound)
            #expect(try await client.send(.delete, "/api/v1/admin/users/\(id)/api-keys/nope", bearer: admin).status == .notFound)
            #expect(try await client.send(.get, "/api/v1/admin/users/0/sessions", bearer: admin).status == .notFound)
        }
    }
}
