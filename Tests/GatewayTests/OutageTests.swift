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

/// The database failing under load: nothing acknowledged is lost, only 503s are
/// answered meanwhile, the gateway recovers by itself, and the log stays readable.
@Suite(.serialized) struct OutageTests {
    @Test func aRestartUnderChatLoadLosesNoAcknowledgedTurn() async throws {
        try await PrivateCluster.with(restartUnderLoad)
    }

    private func restartUnderLoad(_ cluster: PrivateCluster) async throws {
        let capture = LogCapture()
        let overrides = ["DATABASE_URL": cluster.url, "DB_POOL_SIZE": "8", "DB_POOL_TIMEOUT_SECONDS": "1"]
        try await TestApp.run(overrides, logger: capture.logger, database: "unused") { client, services in
            try await services.migrate()
            try await client.register(email: "load@example.com")
            let token = try await client.login(email: "load@example.com").access
            let load = ChatLoad()
            try await load.run(client, token: token, workers: 16, until: .now + .seconds(6)) {
                try await Task.sleep(for: .milliseconds(1500))
                try await cluster.stop()
                try await Task.sleep(for: .seconds(2))
                do {
                    try await cluster.restart()
                } catch {
                    // pg_ctl can lose a race with the previous postmaster's exit; once more.
                    try await Task.sleep(for: .seconds(1))
                    try await cluster.restart()
                }
            }
            let seen = load.statuses.withLockedValue { $0 }
            #expect(Set(seen.keys).isSubset(of: [200, 503]), "statuses \(seen)")
            #expect(seen[503, default: 0] > 0, "the outage was noticed: \(seen)")
            // Recovered without a restart of the gateway.
            var recovered = false
            for _ in 0..<50 where recovered == false {
                let response = try await client.send(.post, "/api/v1/chat", json: #"{"message":"after"}"#, bearer: token)
                recovered = response.status == .ok
                if recovered == false { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(recovered)
            // Every acknowledged turn is stored.
            let (storedCount, acknowledgedCount) = try await load.stored(in: services.pool)
            // Load really ran (a CI machine running the other suites at once manages a dozen or more).
            #expect(acknowledgedCount >= 10)
            #expect(storedCount == acknowledgedCount)
            print("outage: \(acknowledgedCount) acknowledged, \(storedCount) of them stored; statuses \(seen)")
            // One line per kind of failure and interval, not one per request.
            let lines = capture.all.split(separator: "\n")
            let failureLines = lines.filter { $0.contains("database unavailable") || $0.contains("storing a chat turn failed") }
            #expect(failureLines.count < 20, "\(failureLines.count) failure lines for \(seen[503, default: 0]) 503s")
        }
    }

    /// A server that accepts connections and never answers: 503 within the pool timeout,
    /// not after libpq's connect timeout (20 s here, so a loaded machine cannot blur the two).
    @Test func aSilentDatabaseGives503WithinThePoolTimeout() async throws {
        let listener = try SilentListener()
        defer { listener.close() }
        let overrides = [
            "DATABASE_URL": "postgresql://nobody@127.0.0.1:\(listener.port)/db?connect_timeout=20",
            "DB_POOL_TIMEOUT_SECONDS": "0.5",
            "USER_CACHE_SECONDS": "0",
        ]
        try await TestApp.run(overrides, database: "unused") { client, _ in
            for _ in 0..<2 {
                let start = ContinuousClock.now
                let response = try await client.send(
                    .post, "/api/v1/users/login", json: #"{"email":"a@example.com","password":"Passw0rd!"}"#)
                let elapsed = ContinuousClock.now - start
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] != nil)
                // The pool timeout (0.5 s) plus whatever a loaded machine adds, far from 20 s.
                #expect(elapsed < .seconds(10), "answered after \(elapsed)")
            }
            #expect(try await client.send(.get, "/ready").status == .serviceUnavailable)
        }
    }

    @Test func repeatedErrorsAreLoggedOncePerInterval() {
        let capture = LogCapture()
        let log = DampedLog(logger: capture.logger, interval: .seconds(10))
        let start = ContinuousClock.now
        struct Down: Error {}
        for offset in 0..<100 { log.error("database unavailable", error: Down(), now: start + .milliseconds(offset)) }
        log.error("database unavailable", error: Down(), metadata: ["bot": "other"], now: start)
        log.error("database unavailable", error: Down(), now: start + .seconds(11))
        let lines = capture.all.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.last?.contains("99") == true)
    }
}

/// A TCP socket that accepts connections (through the kernel's backlog) and never answers.
struct SilentListener {
    let fd: Int32
    let port: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(descriptor, 128) == 0 else { throw TestFailure("cannot listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        fd = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(fd) }

    /// A port that was free a moment ago (for a server that must be told its port).
    static func freePort() throws -> Int {
        let listener = try SilentListener()
        defer { listener.close() }
        return listener.port
    }
}
