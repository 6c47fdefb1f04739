import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import Postgres

@Suite struct BearerTests {
    static let notAuthenticated = #"{"detail":"Not authenticated","code":"http_error"}"#
    static let invalid = #"{"detail":"Authentication required. Please log in or register.","code":"http_error"}"#

    @Test func meReturnsExactlyTheProfile() async throws {
        try await TestApp.run { client, _ in
            try await client.register(name: "Grace", email: "grace@example.com")
            let login = try await client.login(email: "grace@example.com")
            let me = try await client.send(.get, "/api/v1/users/me", bearer: login.access)
            #expect(me.status == .ok)
            let body = try me.json()
            #expect(Set(body.keys) == ["id", "name", "email"])
            #expect(body["name"] as? String == "Grace")
        }
    }

    @Test func missingBearerIsNotAuthenticated() async throws {
        try await TestApp.run { client, _ in
            for headers: HTTPFields in [[:], [.authorization: "Basic abc"], [.authorization: "Bearer"]] {
                let response = try await client.send(.get, "/api/v1/users/me", headers: headers)
                #expect(response.status == .unauthorized)
                #expect(response.text == Self.notAuthenticated)
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
            }
        }
    }

    @Test func badTokensAreRejectedGenerically() async throws {
        try await TestApp.run { client, services in
            try await client.register(email: "bad@example.com")
            let login = try await client.login(email: "bad@example.com")
            let parts = login.access.split(separator: ".").map(String.init)
            let header = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64URLEncodedString
            let hs512 = Data(#"{"alg":"HS512","typ":"JWT"}"#.utf8).base64URLEncodedString
            let otherKey = await AccessTokens(secret: String(repeating: "k", count: 40), lifetime: .seconds(300))
            let expiredIssuer = await AccessTokens(secret: TestApp.secret, lifetime: .seconds(60))
            let uid = try await services.users.credentials(email: "bad@example.com")!.user.id
            let tokens = [
                "garbage", parts[0] + "." + parts[1] + ".", header + "." + parts[1] + ".",
                hs512 + "." + parts[1] + "." + parts[2],
                parts[0] + "." + parts[1] + "x." + parts[2],
                try await otherKey.issue(userID: uid, email: "bad@example.com"),
                try await expiredIssuer.issue(userID: uid, email: "bad@example.com", now: Date().addingTimeInterval(-120)),
                try await services.tokens.issue(userID: uid + 999, email: "bad@example.com"),
                try await services.tokens.issue(userID: uid, email: "someone-else@example.com"),
            ]
            for token in tokens {
                let response = try await client.send(.get, "/api/v1/users/me", bearer: token)
                #expect(response.status == .unauthorized, "\(token)")
                #expect(response.text == Self.invalid)
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
            }
        }
    }

    @Test func deletedUsersTokensStopWorking() async throws {
        try await TestApp.run { client, services in
            try await client.register(email: "gone@example.com")
            let login = try await client.login(email: "gone@example.com")
            // The reference's plain SQL delete works on the migrated schema.
            let id = try await services.users.credentials(email: "gone@example.com")!.user.id
            _ = try await services.pool.query("DELETE FROM refresh_tokens WHERE user_id = \(id)")
            _ = try await services.pool.query("DELETE FROM users WHERE id = \(id)")
            let me = try await client.send(.get, "/api/v1/users/me", bearer: login.access)
            #expect(me.status == .unauthorized)
            #expect(me.text == Self.invalid)
        }
    }

    @Test func noSecretEverReachesTheLogs() async throws {
        let capture = LogCapture()
        let password = "Sup3r$ecretPass"
        try await TestApp.run(logger: capture.logger) { client, _ in
            try await client.register(email: "quiet@example.com", password: password)
            let login = try await client.login(email: "quiet@example.com", password: password)
            let refreshed = try await client.send(.post, "/api/v1/users/refresh-token", cookie: login.refresh)
            _ = try await client.send(.get, "/api/v1/users/me", bearer: login.access)
            _ = try await client.send(
                .post, "/api/v1/users/login", json: #"{"email":"quiet@example.com","password":"Wr0ng$pass"}"#)
            _ = try await client.send(.post, "/api/v1/users/logout", bearer: login.access, cookie: refreshed.refreshCookie)
            let logs = capture.all
            #expect(logs.isEmpty == false)
            for secret in [password, "Wr0ng$pass", login.refresh, login.access, refreshed.refreshCookie ?? "x", TestApp.secret] {
                #expect(logs.contains(secret) == false)
            }
            #expect(logs.contains("$argon2id$") == false)
        }
    }

    @Test func twoGatewaysOnOneDatabaseActAsOne() async throws {
        let database = try await TestDatabase.createMigrated()
        try await TestApp.run(["REFRESH_REUSE_GRACE_SECONDS": "0"], database: database) { first, _ in
            try await TestApp.run(["REFRESH_REUSE_GRACE_SECONDS": "0"], database: database) { second, _ in
                try await first.register(email: "twin@example.com")
                let login = try await first.login(email: "twin@example.com")
                let rotated = try #require(
                    try await first.send(.post, "/api/v1/users/refresh-token", cookie: login.refresh).refreshCookie)
                // The old token is refused by the other process too, as reuse.
                #expect(
                    (try await second.send(.post, "/api/v1/users/refresh-token", cookie: login.refresh)).status == .unauthorized)
                #expect((try await second.send(.post, "/api/v1/users/refresh-token", cookie: rotated)).status == .unauthorized)
                // logout-all through one ends sessions seen by the other.
                let a = try await second.login(email: "twin@example.com")
                let b = try await first.login(email: "twin@example.com")
                #expect((try await first.send(.post, "/api/v1/users/logout-all", bearer: b.access)).status == .noContent)
                #expect((try await second.send(.post, "/api/v1/users/refresh-token", cookie: a.refresh)).status == .unauthorized)
            }
        }
    }
}
