import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOConcurrencyHelpers
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps

/// Floods of registrations and guesses: refused early, bounded, and never locking out
/// a real login.
@Suite struct AbuseTests {
    static func registration(_ index: Int) -> String {
        #"{"name":"F","email":"flood\#(index)@example.com","password":"Passw0rd!"}"#
    }

    @Test func registrationsAreThrottledPerAddress() async throws {
        try await TestApp.run(["REGISTER_MAX_PER_IP": "3"]) { client, _ in
            for index in 0..<3 {
                #expect(try await client.send(.post, "/api/v1/users/register", json: Self.registration(index)).status == .created)
            }
            let refused = try await client.send(.post, "/api/v1/users/register", json: Self.registration(9))
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] != nil)
        }
    }

    /// Registrations from many addresses fill at most half the hashing queue; the rest is
    /// refused with 503, and a login meanwhile is answered within a bound.
    @Test func aRegistrationFloodCannotDelayALoginPastABound() async throws {
        let overrides = [
            "HASH_QUEUE_MAX": "4", "HASH_THREADS": "1", "ARGON2_MEMORY_COST": "32768", "ARGON2_TIME_COST": "3",
            "REGISTER_MAX_PER_IP": "100000",
        ]
        try await TestApp.run(overrides) { client, services in
            try await client.register(email: "real@example.com")
            let port = try #require(client.port)
            let login = #"{"email":"real@example.com","password":"Passw0rd!"}"#
            #expect(try await RawHTTP.request(port: port, "POST", "/api/v1/users/login", json: login).status == 200)
            #expect(services.hasher.mostJobsAheadOfALogin == 0)
            let statuses = NIOLockedValueBox<[Int]>([])
            let loginTime = try await withThrowingTaskGroup(of: Duration?.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        let response = try await RawHTTP.request(
                            port: port, "POST", "/api/v1/users/register", json: Self.registration(index))
                        statuses.withLockedValue { $0.append(response.status) }
                        if response.status == 503 { #expect(response.text.contains("Retry-After")) }
                        return nil
                    }
                }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(20))
                    let start = ContinuousClock.now
                    let response = try await RawHTTP.request(port: port, "POST", "/api/v1/users/login", json: login)
                    #expect(response.status == 200)
                    return ContinuousClock.now - start
                }
                return try await group.compactMap { $0 }.first { _ in true }
            }
            let seen = statuses.withLockedValue { $0 }
            #expect(Set(seen).isSubset(of: [201, 503]), "\(seen)")
            #expect(seen.contains(503))
            #expect(seen.contains(201))
            // At most a registration's share of the queue (2 hashes) runs before it, counted
            // in hashes rather than seconds so a busy machine cannot fail it; an unbounded
            // queue would put up to 40 ahead.
            #expect(loginTime != nil)
            #expect(services.hasher.mostJobsAheadOfALogin <= 2)
        }
    }

    /// Concurrent guesses are counted before hashing, so no more than the limit are judged.
    @Test func concurrentGuessesCannotAllSlipUnderTheLimit() async throws {
        try await TestApp.run(["LOGIN_MAX_FAILURES": "5", "LOGIN_MAX_FAILURES_PER_IP": "1000"]) { client, _ in
            try await client.register(email: "guess@example.com")
            let port = try #require(client.port)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<30 {
                    group.addTask {
                        try await RawHTTP.request(
                            port: port, "POST", "/api/v1/users/login",
                            json: #"{"email":"guess@example.com","password":"Wrong0ne!"}"#
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 401 }.count == 5)
            #expect(statuses.filter { $0 == 429 }.count == 25)
        }
    }

    @Test func throttlesStayBoundedAndEvictTheOldest() {
        let throttle = Throttle(window: .seconds(60), capacity: 100)
        let start = ContinuousClock.now
        for index in 0..<1000 { #expect(throttle.admit("k\(index)", limit: 1, now: start + .milliseconds(index)) == nil) }
        #expect(throttle.count == 100)
        // The newest key is still counted; the oldest was evicted and starts afresh.
        #expect(throttle.admit("k999", limit: 1, now: start + .seconds(1)) != nil)
        #expect(throttle.admit("k0", limit: 1, now: start + .seconds(1)) == nil)
        #expect(throttle.admit("a", limit: 2, now: start) == nil)
        #expect(throttle.admit("a", limit: 2, now: start) == nil)
        #expect(throttle.admit("a", limit: 2, now: start) == 61)
        throttle.refund("a")
        #expect(throttle.admit("a", limit: 2, now: start) == nil)
    }

    @Test func theHashingQueueIsBoundedAndSkipsClientsThatLeft() async throws {
        let hasher = try PasswordHasher(
            parameters: Argon2Parameters(timeCost: 2, memoryKiB: 8192, parallelism: 1), threads: 1, queueMax: 2)
        await #expect(throws: PasswordHasher.ClientGone.self) {
            try await hasher.hash("Passw0rd!", purpose: .login, isWanted: { false })
        }
        // Registrations get half of the queue: the second concurrent one is refused.
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<6 { group.addTask { (try? await hasher.hash("Passw0rd!", purpose: .registration)) != nil } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.contains(false))
        #expect(results.contains(true))
        #expect(hasher.pending == 0)
        // Nothing above throws: the hasher is always shut down here.
        await hasher.shutdown()
    }
}
