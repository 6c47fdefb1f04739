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

@Suite struct SessionTests {
    let refreshURI = "/api/v1/users/refresh-token"
    static let invalidRefresh = #"{"detail":"Invalid or expired refresh token.","code":"invalid_credentials"}"#

    @Test func refreshRotatesTheCookie() async throws {
        try await TestApp.run { client, _ in
            try await client.register(email: "r@example.com")
            let first = try await client.login(email: "r@example.com")
            let response = try await client.send(.post, refreshURI, cookie: first.refresh)
            #expect(response.status == .ok)
            #expect(try response.json()["token_type"] as? String == "bearer")
            let next = try #require(response.refreshCookie)
            #expect(next != first.refresh)
            let access = try #require(try response.json()["access_token"] as? String)
            #expect((try await client.send(.get, "/api/v1/users/me", bearer: access)).status == .ok)
            #expect((try await client.send(.post, refreshURI, cookie: next)).status == .ok)
        }
    }

    @Test func reuseOfARotatedTokenRevokesTheWholeSession() async throws {
        let capture = LogCapture()
        try await TestApp.run(["REFRESH_REUSE_GRACE_SECONDS": "0"], logger: capture.logger) { client, _ in
            try await client.register(email: "reuse@example.com")
            let first = try await client.login(email: "reuse@example.com")
            let other = try await client.login(email: "reuse@example.com")
            let second = try #require(try await client.send(.post, refreshURI, cookie: first.refresh).refreshCookie)
            // The stolen first token comes back: reuse.
            let replay = try await client.send(.post, refreshURI, cookie: first.refresh)
            #expect(replay.status == .unauthorized)
            #expect(replay.text == Self.invalidRefresh)
            #expect(replay.headers[.setCookie]?.contains("Max-Age=0") == true)
            // The legitimate successor dies with its family…
            #expect((try await client.send(.post, refreshURI, cookie: second)).status == .unauthorized)
            // …but the user's other session is untouched.
            #expect((try await client.send(.post, refreshURI, cookie: other.refresh)).status == .ok)
            #expect(capture.all.contains("reuse_detected"))
        }
    }

    @Test func unknownMissingRevokedAndExpiredTokensAre401() async throws {
        try await TestApp.run { client, services in
            try await client.register(email: "x@example.com")
            let missing = try await client.send(.post, refreshURI)
            #expect(missing.status == .unauthorized)
            #expect(missing.text == Self.invalidRefresh)
            let unknown = try await client.send(.post, refreshURI, cookie: "not-a-real-token")
            #expect(unknown.status == .unauthorized)
            #expect(
                unknown.headers[.setCookie]
                    == "refresh_token=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
            )

            let loggedOut = try await client.login(email: "x@example.com")
            #expect(
                (try await client.send(.post, "/api/v1/users/logout", bearer: loggedOut.access, cookie: loggedOut.refresh)).status
                    == .noContent)
            #expect((try await client.send(.post, refreshURI, cookie: loggedOut.refresh)).status == .unauthorized)

            let expired = try await client.login(email: "x@example.com")
            _ = try await services.pool.query(
                "UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE token = \(RefreshTokenFactory.hash(expired.refresh))"
            )
            #expect((try await client.send(.post, refreshURI, cookie: expired.refresh)).status == .unauthorized)
        }
    }

    @Test func slidingExpiryIsCappedBySessionLifetime() async throws {
        try await TestApp.run(["REFRESH_TOKEN_EXPIRE_DAYS": "7", "REFRESH_TOKEN_MAX_LIFETIME_DAYS": "10"]) { client, services in
            try await client.register(email: "cap@example.com")
            let login = try await client.login(email: "cap@example.com")
            // Pretend the session began 9 days ago: the next token may live 1 more day only.
            _ = try await services.pool.query("UPDATE auth_sessions SET created_at = now() - interval '9 days'")
            let next = try #require(try await client.send(.post, refreshURI, cookie: login.refresh).refreshCookie)
            let row = try await services.pool.query(
                "SELECT extract(epoch FROM expires_at - now())::float8 AS left FROM refresh_tokens WHERE token = \(RefreshTokenFactory.hash(next))"
            )
            let left: Double = try row.first!.decode("left")
            #expect(left > 86_000 && left < 86_500)
            // Past the cap: refused, and again within the grace period (no successor was issued,
            // so none may be handed out).
            _ = try await services.pool.query("UPDATE auth_sessions SET created_at = now() - interval '11 days'")
            #expect((try await client.send(.post, refreshURI, cookie: next)).status == .unauthorized)
            #expect((try await client.send(.post, refreshURI, cookie: next)).status == .unauthorized)
            let live = try await services.pool.query("SELECT 1 FROM refresh_tokens WHERE NOT revoked")
            #expect(live.count == 0)
        }
    }

    @Test func fiftyConcurrentRefreshesOfOneTokenShareOneSuccessor() async throws {
        // The 50 wait on one token's row lock, ten at a time on the pool's connections: under
        // a loaded suite the last could wait past the default 5 s pool timeout (a 503), which
        // is not what this test is about.
        try await TestApp.run(["DB_POOL_SIZE": "10", "DB_POOL_TIMEOUT_SECONDS": "60"]) { client, _ in
            try await client.register(email: "race@example.com")
            let login = try await client.login(email: "race@example.com")
            let port = try #require(client.port)
            // Each on a connection of its own: really concurrent.
            let results = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        let r = try await RawHTTP.request(
                            port: port, "POST", refreshURI, headers: ["Cookie": "refresh_token=\(login.refresh)"])
                        let line = r.text.split(separator: "\r\n").first {
                            $0.lowercased().hasPrefix("set-cookie: refresh_token=")
                        }
                        let cookie = line?.dropFirst("set-cookie: refresh_token=".count).prefix { $0 != ";" }
                        return (r.status, cookie.map(String.init))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // One rotation; the other 49 (within the grace period) get the same successor, so
            // the client stays logged in whichever answer its cookie jar keeps.
            #expect(results.allSatisfy { $0.0 == 200 }, "\(results.map(\.0))")
            #expect(Set(results.compactMap(\.1)).count == 1)
            #expect(results.compactMap(\.1).count == 50)
            let winner = try #require(results.first?.1)
            #expect(winner != login.refresh)
            #expect((try await client.send(.post, refreshURI, cookie: winner)).status == .ok)
        }
    }

    /// Within the grace period a replay gets the same successor (sealed under the old
    /// token); after a logout it gets nothing.
    @Test func aReplayWithinTheGracePeriodGetsTheSameSuccessor() async throws {
        try await TestApp.run { client, _ in
            try await client.register(email: "tabs@example.com")
            let login = try await client.login(email: "tabs@example.com")
            let first = try await client.send(.post, refreshURI, cookie: login.refresh)
            let second = try await client.send(.post, refreshURI, cookie: login.refresh)
            #expect(first.status == .ok)
            #expect(second.status == .ok)
            #expect(first.refreshCookie == second.refreshCookie)
            let access = try #require(try second.json()["access_token"] as? String)
            #expect(try await client.send(.get, "/api/v1/users/me", bearer: access).status == .ok)
            _ = try await client.send(.post, "/api/v1/users/logout", bearer: access, cookie: second.refreshCookie)
            #expect(try await client.send(.post, refreshURI, cookie: login.refresh).status == .unauthorized)
        }
        #expect(RefreshTokenFactory.open(RefreshTokenFactory.seal("next", under: "old"), under: "old") == "next")
        #expect(RefreshTokenFactory.open(RefreshTokenFactory.seal("next", under: "old"), under: "other") == nil)
    }

    @Test func logoutAlwaysClearsTheCookieAndOnlyRevokesOwnTokens() async throws {
        try await TestApp.run { client, _ in
            try await client.register(email: "a@example.com")
            try await client.register(email: "b@example.com")
            let a = try await client.login(email: "a@example.com")
            let b = try await client.login(email: "b@example.com")
            for cookie in [nil, "unknown", b.refresh] {
                let response = try await client.send(.post, "/api/v1/users/logout", bearer: a.access, cookie: cookie)
                #expect(response.status == .noContent)
                #expect(response.headers[.setCookie]?.contains("Max-Age=0") == true)
            }
            // b's session survived a's logout with b's cookie.
            #expect((try await client.send(.post, refreshURI, cookie: b.refresh)).status == .ok)
            let noBearer = try await client.send(.post, "/api/v1/users/logout", cookie: a.refresh)
            #expect(noBearer.status == .unauthorized)
        }
    }

    @Test func logoutAllEndsEverySession() async throws {
        try await TestApp.run { client, _ in
            try await client.register(email: "all@example.com")
            let one = try await client.login(email: "all@example.com")
            let two = try await client.login(email: "all@example.com")
            let response = try await client.send(.post, "/api/v1/users/logout-all", bearer: one.access)
            #expect(response.status == .noContent)
            #expect(response.headers[.setCookie]?.contains("Max-Age=0") == true)
            for token in [one.refresh, two.refresh] {
                #expect((try await client.send(.post, refreshURI, cookie: token)).status == .unauthorized)
            }
        }
    }

    @Test func sessionsCanBeListedAndRevoked() async throws {
        let capture = LogCapture()
        try await TestApp.run(["TRUSTED_PROXIES": "127.0.0.1, ::1"], logger: capture.logger) { client, _ in
            try await client.register(email: "s@example.com")
            try await client.register(email: "t@example.com")
            let phone = try await client.login(
                email: "s@example.com", headers: [.userAgent: "phone", .init("X-Forwarded-For")!: "198.51.100.7, 203.0.113.9"])
            let laptop = try await client.login(email: "s@example.com", headers: [.userAgent: "laptop"])
            let list = try await client.send(.get, "/api/v1/users/me/sessions", bearer: laptop.access, cookie: laptop.refresh)
            #expect(list.status == .ok)
            let sessions = try #require(try JSONSerialization.jsonObject(with: Data(buffer: list.body)) as? [[String: Any]])
            #expect(sessions.count == 2)
            let current = try #require(sessions.first { $0["current"] as? Bool == true })
            #expect(current["user_agent"] as? String == "laptop")
            let phoneSession = try #require(sessions.first { $0["user_agent"] as? String == "phone" })
            #expect(phoneSession["ip_address"] as? String == "203.0.113.9")
            #expect(
                Set(phoneSession.keys) == [
                    "id", "created_at", "last_used_at", "expires_at", "user_agent", "ip_address", "current",
                ])
            let id = try #require(phoneSession["id"] as? String)

            let stranger = try await client.login(email: "t@example.com")
            #expect(
                (try await client.send(.delete, "/api/v1/users/me/sessions/\(id)", bearer: stranger.access)).status == .notFound)
            #expect(
                (try await client.send(.delete, "/api/v1/users/me/sessions/not-a-uuid", bearer: stranger.access)).status
                    == .notFound)
            #expect(
                (try await client.send(.delete, "/api/v1/users/me/sessions/\(id)", bearer: laptop.access)).status == .noContent)
            #expect((try await client.send(.post, refreshURI, cookie: phone.refresh)).status == .unauthorized)
            #expect(
                (try await client.send(.delete, "/api/v1/users/me/sessions/\(id)", bearer: laptop.access)).status == .notFound)

            // A refresh from another device is an anomaly, logged with the token masked.
            _ = try await client.send(.post, refreshURI, cookie: laptop.refresh, headers: [.userAgent: "curl"])
            #expect(capture.all.contains("anomaly"))
            #expect(capture.all.contains(String(laptop.refresh.prefix(6))))
            #expect(capture.all.contains(laptop.refresh) == false)
        }
    }

    @Test func expiredTokensArePurged() async throws {
        try await TestApp.run { client, services in
            try await client.register(email: "p@example.com")
            let login = try await client.login(email: "p@example.com")
            _ = try await services.pool.query("UPDATE refresh_tokens SET expires_at = now() - interval '2 days'")
            let removed = try await services.sessions.purge(before: Date().addingTimeInterval(-86400))
            #expect(removed == 1)
            #expect((try await client.send(.post, refreshURI, cookie: login.refresh)).status == .unauthorized)
        }
    }

    /// Ending a session while its token rotates: both take the token row, then the session
    /// row, so they never deadlock (a deadlock would surface as a 5xx).
    @Test func endingASessionWhileItRefreshesNeverFails() async throws {
        try await TestApp.run(["DB_POOL_SIZE": "10"]) { client, services in
            try await client.register(email: "both@example.com")
            let port = try #require(client.port)
            for _ in 0..<15 {
                let login = try await client.login(email: "both@example.com")
                let sessionID: UUID = try #require(
                    try await services.pool.query(
                        "SELECT session_id FROM refresh_tokens WHERE token = \(RefreshTokenFactory.hash(login.refresh))"
                    ).first?.decode("session_id"))
                async let refreshed = RawHTTP.request(
                    port: port, "POST", refreshURI, headers: ["Cookie": "refresh_token=\(login.refresh)"])
                async let ended = RawHTTP.request(
                    port: port, "DELETE", "/api/v1/users/me/sessions/\(sessionID.lowercasedString)",
                    headers: ["Authorization": "Bearer \(login.access)"])
                let statuses = [try await refreshed.status, try await ended.status]
                #expect(statuses.allSatisfy { $0 < 500 }, "\(statuses)")
            }
        }
    }
}
