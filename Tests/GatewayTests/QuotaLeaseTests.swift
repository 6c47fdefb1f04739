import Foundation
import HummingbirdTesting
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import Postgres

/// The per-minute quota is leased in slices: two replicas of one database together admit
/// exactly the limit, and a slice costs one database round trip, not one per request. The
/// daily token count is read at most once a second, plus this replica's own calls.
@Suite struct QuotaLeaseTests {
    @Test func replicasShareThePerMinuteLimitInSlices() async throws {
        let clock: @Sendable () -> Date = { Date(timeIntervalSince1970: Double(30_000_001 * 60 + 5)) }
        // Cached users and keys outlive the test however slow a loaded machine makes it (they
        // expire after USER_CACHE_SECONDS, 30 by default: a re-read is a round trip the count
        // below would take for the quota's).
        let limits = ["QUOTA_REQUESTS_PER_MINUTE": "200", "USER_CACHE_SECONDS": "3600"]
        let database = try await TestDatabase.createMigrated()
        try await TestApp.run(limits, database: database, now: clock) { first, one in
            try await TestApp.run(limits, database: database, now: clock) { second, two in
                let key = try await APIKeyCacheTests.keyed(first, one, email: "lease@example.com")
                let body = #"{"model":"default","messages":[{"role":"user","content":"hi"}]}"#
                // Both replicas' caches serve only once their LISTEN session is up (until then
                // every check reads the database, which a loaded machine can make last).
                #expect(try await AuthCacheTests.eventually { (one.userListener?.sessions ?? 1) > 0 })
                #expect(try await AuthCacheTests.eventually { (two.userListener?.sessions ?? 1) > 0 })
                // Warm both replicas' caches, outside the count.
                for client in [first, second] { _ = try await client.send(.get, "/v1/models", bearer: key) }
                let before = one.pool.foregroundAcquisitions + two.pool.foregroundAcquisitions
                var admitted = 0
                var refused = 0
                for call in 0..<240 {
                    let response = try await (call.isMultiple(of: 3) ? second : first).send(
                        .post, "/v1/chat/completions", json: body, bearer: key)
                    if response.status == .ok {
                        admitted += 1
                    } else {
                        #expect(response.status == .tooManyRequests)
                        #expect(response.headers[.retryAfter] == "55")
                        refused += 1
                    }
                }
                #expect(admitted == 200)
                #expect(refused == 40)
                // Slices of 10: 20 leases for the admitted calls, one per refused call, plus
                // each replica's first look at the user's budgets (batch writers are background).
                let used = one.pool.foregroundAcquisitions + two.pool.foregroundAcquisitions - before
                #expect(used <= 20 + 2 + refused + 2, "the quota used the database per request: \(used)")
                let counted = try await one.pool.query("SELECT requests FROM request_counters")
                #expect(try counted.first?.decode("requests", as: Int.self) == 210, "refused calls grow the count boundlessly")
            }
        }
    }

    @Test func slicesAreNeverGrantedPastTheLimit() {
        let leases = RequestLeases(limit: 45)
        #expect(leases.size == 2)
        #expect(leases.granted(userID: 1, minute: 7, total: 2, leased: 2) == 2)
        #expect(leases.take(userID: 1, minute: 7))
        #expect(leases.take(userID: 1, minute: 7) == false)
        #expect(leases.take(userID: 1, minute: 8) == false)
        // Another replica leased up to 44: one request of this slice is within the limit.
        #expect(leases.granted(userID: 1, minute: 7, total: 46, leased: 2) == 1)
        #expect(leases.take(userID: 1, minute: 7) == false)
        #expect(leases.granted(userID: 1, minute: 7, total: 47, leased: 2) == 0)
        #expect(RequestLeases(limit: 3).size == 1)
        // A lease that returns after its minute ended keeps nothing.
        let late = RequestLeases(limit: 100)
        #expect(late.granted(userID: 2, minute: 9, total: 5, leased: 5) == 5)
        #expect(late.granted(userID: 2, minute: 8, total: 5, leased: 5) == 5)
        #expect(late.take(userID: 2, minute: 9))
        #expect(late.leaseSize(userID: 3, minute: 9) == 5)
    }

    @Test func dailyTokensAreReadOnceASecondPlusOwnCalls() {
        let daily = DailyTokens()
        let start = ContinuousClock.now
        #expect(daily.cached(userID: 1, now: start) == nil)
        daily.store(userID: 1, used: 10, secondsLeft: 100, now: start)
        daily.add(userID: 1, tokens: 5)
        daily.add(userID: 2, tokens: 5)
        #expect(daily.cached(userID: 1, now: start + .milliseconds(500))! == (15, 100))
        #expect(daily.cached(userID: 2, now: start) == nil)
        #expect(daily.cached(userID: 1, now: start + .seconds(1)) == nil)
        daily.store(userID: 3, used: 0, secondsLeft: 1, now: start)
        #expect(daily.cached(userID: 3, now: start + .milliseconds(999))! == (0, 1))
        #expect(daily.cached(userID: 3, now: start + .seconds(1)) == nil, "a new day reads again")
    }

    @Test func theDailyQuotaCountsThisReplicasCallsAtOnce() async throws {
        try await TestApp.run(["QUOTA_TOKENS_PER_DAY": "20"]) { client, services in
            try await client.register(email: "daily@example.com")
            let token = try await client.login(email: "daily@example.com").access
            var admitted = 0
            for _ in 0..<10 {
                let response = try await client.send(
                    .post, "/api/v1/chat", json: #"{"message":"one two three four"}"#, bearer: token)
                if response.status == .ok { admitted += 1 } else { #expect(response.status == .tooManyRequests) }
            }
            // About eight estimated tokens a turn: the third is the last one admitted.
            #expect(admitted == 3)
        }
    }
}
