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

/// `/api/v1/admin/`: administrators only; users searched and paged, disabled (everything
/// the user holds stops at once, on every replica), enabled, deleted; usage with totals.
@Suite struct AdminTests {
    static func admin(_ client: any TestClientProtocol, _ services: GatewayServices, _ email: String) async throws -> String {
        try await client.register(email: email)
        #expect(try await services.admins.setAdmin(email: email.uppercased(), true))
        return try await client.login(email: email).access
    }

    @Test func onlyAdministratorsGetIn() async throws {
        try await TestApp.run { client, services in
            try await client.register(email: "plain@example.com")
            let plain = try await client.login(email: "plain@example.com").access
            for (method, path) in [
                (HTTPRequest.Method.get, "/api/v1/admin/users"), (.get, "/api/v1/admin/usage"),
                (.post, "/api/v1/admin/users/1/disable"), (.delete, "/api/v1/admin/users/1"),
            ] {
                #expect(try await client.send(method, path, bearer: plain).status == .forbidden, "\(path)")
                #expect(try await client.send(method, path).status == .unauthorized, "\(path)")
            }
            let token = try await Self.admin(client, services, "root@example.com")
            #expect(try await client.send(.get, "/api/v1/admin/users", bearer: token).status == .ok)
            // An API key of an administrator is still refused.
            let created = try await client.send(
                .post, "/api/v1/users/me/api-keys", json: #"{"name":"ops"}"#, bearer: token)
            let key = try #require(try created.json()["key"] as? String)
            #expect(try await client.send(.get, "/api/v1/admin/users", bearer: key).status == .forbidden)
            // Revoked: refused at once, the same token.
            #expect(try await services.admins.setAdmin(email: "root@example.com", false))
            #expect(try await client.send(.get, "/api/v1/admin/users", bearer: token).status == .forbidden)
            #expect(try await services.admins.setAdmin(email: "nobody@example.com", true) == false)
        }
    }

    /// Emails are never verified, so a listed address proves nothing: a stranger who
    /// registers it first is not an administrator, at registration or after a restart.
    /// Only a grant on the host makes one, and `ADMIN_EMAILS` then narrows who may act.
    @Test func aListedEmailAloneMakesNoAdministrator() async throws {
        let env = ["ADMIN_EMAILS": "ops@example.com"]
        let database = try await TestDatabase.createMigrated()
        try await TestApp.run(env, database: database) { client, _ in
            try await client.register(email: "ops@example.com")
            let stranger = try await client.login(email: "ops@example.com").access
            #expect(try await client.send(.get, "/api/v1/admin/users", bearer: stranger).status == .forbidden)
        }
        try await TestApp.run(env, database: database) { client, services in
            let stranger = try await client.login(email: "ops@example.com").access
            #expect(try await client.send(.get, "/api/v1/admin/users", bearer: stranger).status == .forbidden)
            // Granted on the host: now it is one.
            #expect(try await services.admins.setAdmin(email: "ops@example.com", true))
            #expect(try await client.send(.get, "/api/v1/admin/users", bearer: stranger).status == .ok)
            // Granted but not listed: ADMIN_EMAILS narrows, it never widens.
            let unlisted = try await Self.admin(client, services, "dev@example.com")
            #expect(try await client.send(.get, "/api/v1/admin/users", bearer: unlisted).status == .forbidden)
            // A revocation holds across a restart.
            #expect(try await services.admins.setAdmin(email: "ops@example.com", false))
        }
        try await TestApp.run(env, database: database) { client, _ in
            let revoked = try await client.login(email: "ops@example.com").access
            #expect(try await client.send(.get, "/api/v1/admin/users", bearer: revoked).status == .forbidden)
        }
    }

    @Test func usersAreSearchedAndPaged() async throws {
        try await TestApp.run { client, services in
            let token = try await Self.admin(client, services, "boss@example.com")
            for index in 0..<5 { try await client.register(name: "Member \(index)", email: "m\(index)@team.example") }
            let first = try await client.send(.get, "/api/v1/admin/users?search=TEAM.example&limit=3", bearer: token).json()
            let users = try #require(first["users"] as? [[String: Any]])
            #expect(users.map { $0["email"] as? String } == ["m0@team.example", "m1@team.example", "m2@team.example"])
            let after = try #require(first["next_after"] as? Int)
            let second = try await client.send(
                .get, "/api/v1/admin/users?search=team.example&limit=3&after=\(after)", bearer: token
            ).json()
            #expect((second["users"] as? [[String: Any]])?.count == 2)
            #expect(second["next_after"] is NSNull)
            // LIKE's wildcards are searched for as text.
            let none = try await client.send(.get, "/api/v1/admin/users?search=%25_", bearer: token).json()
            #expect((none["users"] as? [[String: Any]])?.isEmpty == true)
            for bad in ["limit=0", "limit=101", "after=-1", "limit=x"] {
                #expect(try await client.send(.get, "/api/v1/admin/users?\(bad)", bearer: token).status == .unprocessableContent)
            }
        }
    }

    @Test func aDisabledUserLosesEverythingAtOnceAndComesBack() async throws {
        try await TestApp.run { client, services in
            let token = try await Self.admin(client, services, "chief@example.com")
            try await client.register(email: "worker@example.com")
            let grant = try await client.login(email: "worker@example.com")
            let created = try await client.send(
                .post, "/api/v1/users/me/api-keys", json: #"{"name":"k"}"#, bearer: grant.access)
            let key = try #require(try created.json()["key"] as? String)
            #expect(try await client.send(.get, "/v1/models", bearer: key).status == .ok)
            let id = try #require(try await services.users.credentials(email: "worker@example.com")).user.id

            #expect(try await client.send(.post, "/api/v1/admin/users/\(id)/disable", bearer: token).status == .noContent)
            #expect(try await client.send(.get, "/api/v1/users/me", bearer: grant.access).status == .unauthorized)
            #expect(try await client.send(.get, "/v1/models", bearer: key).status == .unauthorized)
            #expect(
                try await client.send(.post, "/api/v1/users/refresh-token", cookie: grant.refresh).status == .unauthorized)
            let login = try await client.send(
                .post, "/api/v1/users/login", json: #"{"email":"worker@example.com","password":"Passw0rd!"}"#)
            #expect(login.status == .unauthorized)
            let listed = try await client.send(.get, "/api/v1/admin/users?search=worker", bearer: token).json()
            #expect(((listed["users"] as? [[String: Any]])?.first?["disabled"] as? Bool) == true)

            #expect(try await client.send(.post, "/api/v1/admin/users/\(id)/enable", bearer: token).status == .noContent)
            #expect(try await client.send(.get, "/v1/models", bearer: key).status == .ok)
            let again = try await client.login(email: "worker@example.com").access
            #expect(try await client.send(.get, "/api/v1/users/me", bearer: again).status == .ok)

            let me = try #require(try await services.users.credentials(email: "chief@example.com")).user.id
            #expect(try await client.send(.post, "/api/v1/admin/users/\(me)/disable", bearer: token).status == .conflict)
            #expect(try await client.send(.delete, "/api/v1/admin/users/\(me)", bearer: token).status == .conflict)
            #expect(try await client.send(.post, "/api/v1/admin/users/999999/disable", bearer: token).status == .notFound)
            #expect(try await client.send(.delete, "/api/v1/admin/users/\(id)", bearer: token).status == .noContent)
            #expect(try await client.send(.get, "/v1/models", bearer: key).status == .unauthorized)
            #expect(try await client.send(.delete, "/api/v1/admin/users/\(id)", bearer: token).status == .notFound)
        }
    }

    /// Disabled through one replica, refused by the other within a second.
    @Test func disablingHoldsOnEveryReplica() async throws {
        try await MultiReplicaTests.replicas { replicas, one, _ in
            let first = replicas.clients[0]
            let token = try await Self.admin(first, one, "head@example.com")
            try await first.register(email: "remote@example.com")
            let access = try await first.login(email: "remote@example.com").access
            let other = replicas.clients[1]
            #expect(try await other.send(.get, "/api/v1/users/me", bearer: access).status == .ok)
            let id = try #require(try await one.users.credentials(email: "remote@example.com")).user.id
            #expect(try await first.send(.post, "/api/v1/admin/users/\(id)/disable", bearer: token).status == .noContent)
            let disabled = ContinuousClock.now
            var refused = false
            while refused == false, ContinuousClock.now - disabled < .seconds(1) {
                refused = try await other.send(.get, "/api/v1/users/me", bearer: access).status == .unauthorized
                if refused == false { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(refused, "the other replica still served a disabled user after a second")
        }
    }

    @Test func usageHasRowsAndTotals() async throws {
        try await TestApp.run(["ADMIN_EMAILS": "Auditor@Example.com, other@example.com"]) { client, services in
            let token = try await Self.admin(client, services, "auditor@example.com")
            for message in ["one two", "three"] {
                _ = try await client.send(.post, "/api/v1/chat", json: #"{"message":"\#(message)"}"#, bearer: token)
            }
            let reportResponse = try await client.send(.get, "/api/v1/admin/usage", bearer: token)
            let report = try reportResponse.json()
            let rows = try #require(report["rows"] as? [[String: Any]])
            #expect(rows.count == 1)
            #expect(rows.first?["email"] as? String == "auditor@example.com")
            #expect(report["total_requests"] as? Int == 2)
            #expect(report["total_output_tokens"] as? Int == 3)
            let id = try #require(rows.first?["user_id"] as? Int)
            let mine = try await client.send(.get, "/api/v1/admin/usage?user_id=\(id)&from=2020-01-01", bearer: token).json()
            #expect((mine["rows"] as? [[String: Any]])?.count == 1)
            let other = try await client.send(.get, "/api/v1/admin/usage?user_id=\(id + 1000)", bearer: token).json()
            #expect((other["rows"] as? [[String: Any]])?.isEmpty == true)
            #expect(
                try await client.send(.get, "/api/v1/admin/usage?from=2020-13-01", bearer: token).status == .unprocessableContent)
        }
    }

    @Test func securityEventsAreKeptFilteredAndPurged() async throws {
        try await TestApp.run(["LOGIN_MAX_FAILURES": "2"]) { client, services in
            let token = try await Self.admin(client, services, "watch@example.com")
            try await client.register(email: "target@example.com")
            let bad = #"{"email":"target@example.com","password":"Wrong0ne!"}"#
            for _ in 0..<3 { _ = try await client.send(.post, "/api/v1/users/login", json: bad) }
            let log = try #require(services.securityEvents)
            await log.flush()
            let failed = try await client.send(.get, "/api/v1/admin/security-events?kind=login_failed", bearer: token).json()
            let events = try #require(failed["events"] as? [[String: Any]])
            #expect(events.count == 2)
            #expect(events.first?["ip"] as? String != nil)
            #expect((events.first?["detail"] as? [String: String])?["reason"] == "wrong_password")
            let id = try #require(try await services.users.credentials(email: "target@example.com")).user.id
            #expect(events.first?["user_id"] as? Int == id)
            let throttled = try await client.send(.get, "/api/v1/admin/security-events?kind=throttled", bearer: token).json()
            #expect((throttled["events"] as? [[String: Any]])?.count == 1)
            let paged = try await client.send(.get, "/api/v1/admin/security-events?limit=1", bearer: token).json()
            let before = try #require(paged["next_before"] as? Int)
            let older = try await client.send(
                .get, "/api/v1/admin/security-events?limit=1&before=\(before)", bearer: token
            ).json()
            #expect(((older["events"] as? [[String: Any]])?.first?["id"] as? Int ?? .max) < before)
            let mine = try await client.send(.get, "/api/v1/admin/security-events?user_id=\(id)&ip=203.0.113.9", bearer: token)
                .json()
            #expect((mine["events"] as? [[String: Any]])?.isEmpty == true)
            // Past the retention, purged.
            _ = try await services.pool.query("UPDATE security_events SET at = now() - interval '91 days'")
            #expect(try await log.purge(retention: .days(90)) > 0)
            let left = try await client.send(.get, "/api/v1/admin/security-events", bearer: token).json()
            #expect((left["events"] as? [[String: Any]])?.isEmpty == true)
            #expect(
                try await client.send(.get, "/api/v1/admin/security-events?limit=0", bearer: token).status
                    == .unprocessableContent)
        }
    }

    @Test func theEventQueueIsBounded() async throws {
        try await TestApp.run { _, services in
            let log = SecurityEventLog(pool: services.pool, capacity: 3, logs: services.errorLog)
            for index in 0..<5 { log.note("anomaly", ["user_id": "\(index)", "ip": "10.0.0.1", "why": "test\u{0}"]) }
            await log.flush()
            let rows = try await services.pool.query("SELECT user_id, detail::text AS detail FROM security_events ORDER BY id")
            #expect(try rows.rows.map { try $0.decode("user_id", as: Int.self) } == [2, 3, 4])
        }
    }
}
