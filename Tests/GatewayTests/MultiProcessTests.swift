import Foundation
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps

/// Two real `gateway serve` processes on one database (each with its own caches, pool and
/// change listener), requests alternating between them: one limit, one set of users, one
/// token family, one conversation.
@Suite struct MultiProcessTests {
    @Test func twoProcessesActAsOneGateway() async throws {
        let database = try await TestDatabase.createMigrated()
        let settings = ["LOGIN_MAX_FAILURES": "4", "LOGIN_MAX_FAILURES_PER_IP": "1000", "REFRESH_REUSE_GRACE_SECONDS": "0"]
        let first = try await GatewayProcess.start(database: database, settings)
        let second = try await GatewayProcess.start(database: database, settings)
        let ports = [first.port, second.port]
        do {
            let register = #"{"name":"P","email":"proc@example.com","password":"Passw0rd!"}"#
            #expect(try await RawHTTP.request(port: ports[0], "POST", "/api/v1/users/register", json: register).status == 201)
            let good = #"{"email":"proc@example.com","password":"Passw0rd!"}"#
            let bad = #"{"email":"proc@example.com","password":"Wrong0ne!"}"#

            // Refresh-token reuse seen by the other process ends the family.
            let grant = try await RawHTTP.request(port: ports[0], "POST", "/api/v1/users/login", json: good)
            let refresh = try #require(Self.cookie(grant.text))
            let rotated = try await RawHTTP.request(
                port: ports[0], "POST", "/api/v1/users/refresh-token", headers: ["Cookie": "refresh_token=\(refresh)"])
            let next = try #require(Self.cookie(rotated.text))
            let replay = try await RawHTTP.request(
                port: ports[1], "POST", "/api/v1/users/refresh-token", headers: ["Cookie": "refresh_token=\(refresh)"])
            #expect(replay.status == 401)
            let after = try await RawHTTP.request(
                port: ports[1], "POST", "/api/v1/users/refresh-token", headers: ["Cookie": "refresh_token=\(next)"])
            #expect(after.status == 401, "reuse on one process did not end the family on the other")

            // Chat turns from both land in one conversation.
            let token = try #require(Self.field("access_token", grant.text))
            let auth = ["Authorization": "Bearer \(token)"]
            let opened = try await RawHTTP.request(
                port: ports[0], "POST", "/api/v1/chat", json: #"{"message":"open"}"#, headers: auth)
            let conversation = try #require(Self.field("conversation_id", opened.text))
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for turn in 0..<20 {
                    group.addTask {
                        try await RawHTTP.request(
                            port: ports[turn % 2], "POST", "/api/v1/chat",
                            json: #"{"message":"turn \#(turn)","conversation_id":"\#(conversation)"}"#, headers: auth
                        ).status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == 200 })
            let check = TestDatabase.pool(database)
            let stored = try await check.query(
                "SELECT count(*) AS n FROM messages WHERE conversation_id = \(UUID(uuidString: conversation)!)")
            #expect(try stored.first?.decode("n", as: Int.self) == 42)

            // Failed logins split between the processes reach the limit once.
            for attempt in 0..<4 {
                #expect(
                    try await RawHTTP.request(port: ports[attempt % 2], "POST", "/api/v1/users/login", json: bad).status == 401)
            }
            for port in ports {
                #expect(try await RawHTTP.request(port: port, "POST", "/api/v1/users/login", json: good).status == 429)
            }

            // A user deleted through one is refused by both within a second.
            for port in ports {
                #expect(try await RawHTTP.request(port: port, "GET", "/api/v1/users/me", headers: auth).status == 200)
            }
            _ = try await check.query(
                "DELETE FROM refresh_tokens WHERE user_id = (SELECT id FROM users WHERE email = 'proc@example.com')")
            _ = try await check.query("DELETE FROM users WHERE email = 'proc@example.com'")
            let deleted = ContinuousClock.now
            var refused = [false, false]
            while refused.contains(false), ContinuousClock.now - deleted < .seconds(1) {
                for (index, port) in ports.enumerated() where refused[index] == false {
                    refused[index] = try await RawHTTP.request(port: port, "GET", "/api/v1/users/me", headers: auth).status == 401
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(refused == [true, true], "a deleted user was still served after a second")
            await check.shutdown()
        } catch {
            await first.stop()
            await second.stop()
            throw error
        }
        #expect(await first.stop() == 0)
        #expect(await second.stop() == 0)
    }

    static func cookie(_ response: String) -> String? {
        response.components(separatedBy: "refresh_token=").dropFirst().first.map { String($0.prefix { $0 != ";" }) }
    }

    static func field(_ name: String, _ response: String) -> String? {
        response.components(separatedBy: #""\#(name)":""#).dropFirst().first.map { String($0.prefix { $0 != "\"" }) }
    }
}
