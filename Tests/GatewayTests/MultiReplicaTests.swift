import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import Postgres

/// Two gateways on one database, each request sent to a random one: they enforce exactly
/// the limits of one and agree on users, tokens and conversations. (Quotas across
/// replicas: `QuotaLeaseTests`.)
@Suite struct MultiReplicaTests {
    /// Runs `body` with two live gateways on one fresh database.
    static func replicas(
        _ overrides: [String: String] = [:],
        _ body: @Sendable (Replicas, GatewayServices, GatewayServices) async throws -> Void
    ) async throws {
        let database = try await TestDatabase.createMigrated()
        try await TestApp.run(overrides, database: database) { first, one in
            try await TestApp.run(overrides, database: database) { second, two in
                try await body(Replicas(clients: [first, second]), one, two)
            }
        }
    }

    /// Sends each request to a random replica.
    struct Replicas: Sendable {
        let clients: [any TestClientProtocol]
        var any: any TestClientProtocol { clients.randomElement()! }
    }

    @Test func failedLoginsSplitAcrossReplicasReachTheLimit() async throws {
        try await Self.replicas(["LOGIN_MAX_FAILURES": "6", "LOGIN_MAX_FAILURES_PER_IP": "1000"]) { replicas, _, _ in
            try await replicas.any.register(email: "split@example.com")
            for attempt in 1...6 {
                let failed = try await replicas.clients[attempt % 2].send(
                    .post, "/api/v1/users/login", json: #"{"email":"split@example.com","password":"Wrong0ne!"}"#)
                #expect(failed.status == .unauthorized, "attempt \(attempt)")
            }
            for client in replicas.clients {
                let refused = try await client.send(
                    .post, "/api/v1/users/login", json: #"{"email":"split@example.com","password":"Passw0rd!"}"#)
                #expect(refused.status == .tooManyRequests)
                #expect(refused.headers[.retryAfter] != nil)
            }
        }
    }

    @Test func registrationsAndRefreshesAreCountedOnce() async throws {
        try await Self.replicas(["REGISTER_MAX_PER_IP": "4", "REFRESH_MAX_PER_IP": "5"]) { replicas, _, _ in
            var statuses: [HTTPResponse.Status] = []
            for index in 0..<5 {
                statuses.append(try await replicas.clients[index % 2].register(email: "reg\(index)@example.com").status)
            }
            #expect(statuses == [.created, .created, .created, .created, .tooManyRequests])
            var refresh = try await replicas.any.login(email: "reg0@example.com").refresh
            for index in 0..<5 {
                let rotated = try await replicas.clients[index % 2].send(
                    .post, "/api/v1/users/refresh-token", cookie: refresh)
                #expect(rotated.status == .ok, "refresh \(index)")
                refresh = try #require(rotated.refreshCookie)
            }
            let refused = try await replicas.any.send(.post, "/api/v1/users/refresh-token", cookie: refresh)
            #expect(refused.status == .tooManyRequests)
        }
    }

    /// With `THROTTLE_STORE=memory` each replica counts alone (the documented trade-off).
    @Test func inMemoryThrottlesCountPerReplica() async throws {
        try await Self.replicas(["THROTTLE_STORE": "memory", "REGISTER_MAX_PER_IP": "2"]) { replicas, _, _ in
            var created = 0
            for index in 0..<6
            where try await replicas.clients[index % 2].register(email: "mem\(index)@example.com").status == .created {
                created += 1
            }
            #expect(created == 4)
        }
    }

    @Test func aUserDeletedThroughOneIsRefusedByTheOtherWithinASecond() async throws {
        try await Self.replicas { replicas, one, two in
            try await replicas.any.register(email: "gone@example.com")
            let token = try await replicas.any.login(email: "gone@example.com").access
            for client in replicas.clients {
                #expect(try await client.send(.get, "/api/v1/users/me", bearer: token).status == .ok)
            }
            let cache = try #require(two.userCache)
            let id = try #require(try await one.users.credentials(email: "gone@example.com")).user.id
            #expect(cache.value(for: id) != nil, "the other replica answers from its cache")
            _ = try await one.pool.query("DELETE FROM refresh_tokens WHERE user_id = \(id)")
            _ = try await one.pool.query("DELETE FROM users WHERE id = \(id)")
            let deleted = ContinuousClock.now
            var refused = false
            while refused == false, ContinuousClock.now - deleted < .seconds(1) {
                refused = try await replicas.clients[1].send(.get, "/api/v1/users/me", bearer: token).status == .unauthorized
                if refused == false { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(refused, "the other replica still served a deleted user after a second")
        }
    }

    @Test func chatTurnsFromBothInterleaveWithoutLoss() async throws {
        try await Self.replicas { replicas, one, _ in
            try await replicas.any.register(email: "weave@example.com")
            let token = try await replicas.any.login(email: "weave@example.com").access
            let first = try await replicas.any.send(.post, "/api/v1/chat", json: #"{"message":"turn start"}"#, bearer: token)
            let id = try #require(try first.json()["conversation_id"] as? String)
            let acknowledged = try await withThrowingTaskGroup(of: String?.self) { group in
                for turn in 0..<20 {
                    let client = replicas.clients[turn % 2]
                    group.addTask {
                        let sent = try await client.send(
                            .post, "/api/v1/chat", json: #"{"message":"turn \#(turn)","conversation_id":"\#(id)"}"#,
                            bearer: token)
                        return sent.status == .ok ? try sent.json()["message_id"] as? String : nil
                    }
                }
                return try await group.reduce(into: [String]()) { if let id = $1 { $0.append(id) } }
            }
            #expect(acknowledged.count == 20)
            let stored = try await one.pool.query(
                "SELECT id::text AS id, role FROM messages WHERE conversation_id = \(UUID(uuidString: id)!)")
            let ids = Set(try stored.rows.map { try $0.decode("id", as: String.self) })
            #expect(stored.count == 42)
            #expect(Set(acknowledged).isSubset(of: ids), "an acknowledged turn is missing")
        }
    }
}
