import Foundation
import JWTKit
import NIOConcurrencyHelpers
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import Postgres

/// The bearer check's caches: verified tokens and users (with LISTEN/NOTIFY invalidation).
@Suite struct AuthCacheTests {
    static let user = User(id: 5, name: "Ada", email: "ada@example.com")

    @Test func userCacheServesOnlyWhileEnabledAndFresh() {
        let cache = UserCache(ttl: .seconds(30))
        #expect(cache.generation == nil)
        cache.store(Self.user, for: 5, generation: 0)
        #expect(cache.value(for: 5) == nil)
        cache.setServing(true)
        let generation = try! #require(cache.generation)
        let now = ContinuousClock.now
        cache.store(Self.user, for: 5, generation: generation, now: now)
        #expect(cache.value(for: 5, now: now) == Self.user)
        #expect(cache.value(for: 5, now: now + .seconds(31)) == nil)
        #expect(cache.value(for: 5, now: now) == nil)
        cache.store(Self.user, for: 5, generation: generation, now: now)
        cache.setServing(false)
        #expect(cache.value(for: 5, now: now) == nil)
    }

    @Test func aLookupThatRacedAnInvalidationIsNotKept() throws {
        let cache = UserCache(ttl: .seconds(30))
        cache.setServing(true)
        let before = try #require(cache.generation)
        cache.invalidate(5)  // the user changed while the lookup was in flight
        cache.store(Self.user, for: 5, generation: before)
        #expect(cache.value(for: 5) == nil)
        cache.store(Self.user, for: 5, generation: try #require(cache.generation))
        #expect(cache.value(for: 5) == Self.user)
        cache.invalidate(nil)
        #expect(cache.value(for: 5) == nil)
    }

    /// A burst of misses of one key costs one read; its value is then cached.
    @Test func concurrentMissesShareOneRead() async throws {
        let cache = NotifiedCache<Int, String>(ttl: .seconds(30))
        cache.setServing(true)
        let reads = NIOLockedValueBox(0)
        let values = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    try await cache.value(for: 7) {
                        reads.withLockedValue { $0 += 1 }
                        try await Task.sleep(for: .milliseconds(100))
                        return "seven"
                    }
                }
            }
            return try await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(values == Array(repeating: "seven", count: 50))
        #expect(reads.withLockedValue { $0 } == 1)
        #expect(cache.value(for: 7) == "seven")
        // A failed read is not kept: the next miss reads again.
        await #expect(throws: TestFailure.self) { try await cache.value(for: 8) { throw TestFailure("down") } }
        #expect(try await cache.value(for: 8) { "eight" } == "eight")
    }

    @Test func userCacheStaysBounded() throws {
        let cache = UserCache(ttl: .seconds(30), capacity: 3)
        cache.setServing(true)
        for id in 1...4 {
            cache.store(User(id: id, name: "u", email: "u\(id)@x.io"), for: id, generation: try #require(cache.generation))
        }
        #expect(cache.value(for: 4) != nil)
        #expect(cache.value(for: 1) == nil)
    }

    @Test func verifiedTokensExpireAndStayBounded() {
        let cache = VerifiedTokenCache(capacity: 2)
        let now = Date()
        func claims(_ expires: Date) -> AccessTokenClaims {
            AccessTokenClaims(sub: .init(value: "a@b.io"), uid: 1, exp: .init(value: expires), iat: .init(value: now))
        }
        cache.insert("a", claims(now.addingTimeInterval(60)), now: now)
        cache.insert("b", claims(now.addingTimeInterval(1)), now: now)
        #expect(cache.claims(for: "a", now: now)?.uid == 1)
        #expect(cache.claims(for: "b", now: now.addingTimeInterval(2)) == nil)
        cache.insert("b", claims(now.addingTimeInterval(1)), now: now)
        // Full: the expired "b" goes first, "a" stays.
        cache.insert("c", claims(now.addingTimeInterval(60)), now: now.addingTimeInterval(2))
        #expect(cache.count == 2)
        #expect(cache.claims(for: "a", now: now) != nil)
        // Full of live entries: everything goes.
        cache.insert("d", claims(now.addingTimeInterval(60)), now: now)
        #expect(cache.count == 1)
    }

    @Test func cachedTokensAreStillCheckedForExpiry() async throws {
        let tokens = await AccessTokens(secret: String(repeating: "k", count: 32), lifetime: .seconds(60))
        let token = try await tokens.issue(userID: 3, email: "a@b.io")
        #expect(await tokens.verify(token)?.uid == 3)
        #expect(await tokens.verify(token)?.uid == 3)
        let expired = try await tokens.issue(userID: 3, email: "a@b.io", now: Date().addingTimeInterval(-120))
        #expect(await tokens.verify(expired) == nil)
        let forged = token.dropLast(2) + (token.hasSuffix("AA") ? "BB" : "AA")
        #expect(await tokens.verify(String(forged)) == nil)
    }

    static func caches() -> AuthCaches {
        AuthCaches(
            users: UserCache(ttl: .seconds(1)), keys: APIKeyCache(ttl: .seconds(1)), budgets: BudgetCache(ttl: .seconds(1)))
    }

    /// Re-checks `condition` until it holds, at most `seconds` (generous: a busy machine
    /// only makes it slower); returns whether it held.
    static func eventually(_ seconds: Double = 30, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try await condition()
    }

    @Test func plainSQLChangesReachTheCacheAtOnce() async throws {
        try await TestApp.run { client, services in
            let cache = try #require(services.userCache)
            #expect(try await Self.eventually { cache.isServing })
            try await client.register(name: "Before", email: "cached@example.com")
            let token = try await client.login(email: "cached@example.com").access
            let me = try await client.send(.get, "/api/v1/users/me", bearer: token)
            #expect(me.text.contains("Before"))
            let id = try await services.users.credentials(email: "cached@example.com")!.user.id
            #expect(cache.value(for: id) != nil)
            _ = try await services.pool.query("UPDATE users SET name = 'After' WHERE id = \(id)")
            // Within 10 s, well inside the 30 s cache lifetime: only the notification drops it.
            #expect(try await Self.eventually(10) { cache.value(for: id) == nil })
            #expect(try await client.send(.get, "/api/v1/users/me", bearer: token).text.contains("After"))
            _ = try await services.pool.query("DELETE FROM refresh_tokens WHERE user_id = \(id)")
            _ = try await services.pool.query("DELETE FROM users WHERE id = \(id)")
            #expect(
                try await Self.eventually(10) {
                    try await client.send(.get, "/api/v1/users/me", bearer: token).status == .unauthorized
                })
        }
    }

    /// TRUNCATE fires no row trigger: a statement trigger drops every cached user, so an
    /// id reused by a new registration is never answered with the old user.
    @Test func truncateAndReRegisterWorks() async throws {
        try await TestApp.run { client, services in
            let cache = try #require(services.userCache)
            #expect(try await Self.eventually { cache.isServing })
            try await client.register(name: "Old", email: "old@example.com")
            let old = try await client.login(email: "old@example.com").access
            #expect(try await client.send(.get, "/api/v1/users/me", bearer: old).status == .ok)
            _ = try await services.pool.query("TRUNCATE users RESTART IDENTITY CASCADE")
            try await client.register(name: "New", email: "new@example.com")
            let new = try await client.login(email: "new@example.com").access
            #expect(
                try await Self.eventually(10) {
                    let me = try await client.send(.get, "/api/v1/users/me", bearer: new)
                    return me.status == .ok && me.text.contains("New")
                })
            #expect(try await client.send(.get, "/api/v1/users/me", bearer: old).status == .unauthorized)
        }
    }

    @Test func aLostListenerPausesTheCacheUntilItReconnects() async throws {
        try await TestApp.run { client, services in
            let cache = try #require(services.userCache)
            let listener = try #require(services.userListener)
            #expect(try await Self.eventually { listener.sessions == 1 && cache.isServing })
            _ = try await services.pool.query(
                """
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%'
                """)
            #expect(try await Self.eventually { listener.sessions == 2 && cache.isServing })
            try await client.register(email: "after@example.com")
            let token = try await client.login(email: "after@example.com").access
            #expect(try await client.send(.get, "/api/v1/users/me", bearer: token).status == .ok)
        }
    }

    /// On a reachable database, a listener started normally opens a session; one stopped
    /// before it starts never does (so the second check can fail if `start` ignored `stop`).
    @Test func aListenerStoppedBeforeStartingNeverStarts() async throws {
        let database = TestDatabase.url(try await TestDatabase.createMigrated())
        let control = UserChangeListener(conninfo: database, caches: Self.caches(), logger: TestDatabase.quietLogger)
        control.start()
        #expect(try await Self.eventually { control.sessions == 1 })
        control.stop()
        let listener = UserChangeListener(
            conninfo: database, caches: Self.caches(), logger: TestDatabase.quietLogger)
        listener.stop()
        listener.stop()
        listener.start()  // after stop: never starts
        #expect(try await Self.eventually(0.5) { listener.sessions > 0 } == false)
    }

    @Test func theCacheCanBeTurnedOff() async throws {
        let services = try await TestApp.services(
            database: try await TestDatabase.createMigrated(), ["USER_CACHE_SECONDS": "0"])
        #expect(services.userCache == nil)
        #expect(services.userListener == nil)
        #expect(services.users is PostgresUserRepository)
        await services.shutdown()
    }
}
