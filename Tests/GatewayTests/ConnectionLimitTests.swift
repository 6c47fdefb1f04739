import Foundation
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps

/// The real server (`runGateway`; the test framework's server ignores the limit).
@Suite struct ConnectionLimitTests {
    /// Beyond MAX_CONNECTIONS new connections wait (unanswered, in the backlog) instead of
    /// taking file descriptors the process needs; once connections close, the next get in.
    @Test func connectionsBeyondTheLimitWaitTheirTurn() async throws {
        let port = try SilentListener.freePort()
        let services = try await TestApp.services(
            database: try await TestDatabase.createMigrated(), ["PORT": String(port), "MAX_CONNECTIONS": "16"])
        let server = Task { try await runGateway(services, signals: []) }
        var held: [RawHTTP] = []
        for _ in 0..<250 where held.isEmpty {
            if let connection = try? RawHTTP(port: port) {
                connection.send("GET /live HTTP/1.1\r\nHost: localhost\r\n\r\n")
                if await connection.readTimed(until: "\r\n\r\n", timeout: 2).text.hasPrefix("HTTP/1.1 200") {
                    held.append(connection)
                } else {
                    connection.hangUp()
                }
            }
            if held.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        }
        for _ in 0..<15 {
            let connection = try RawHTTP(port: port)
            connection.send("GET /live HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(await connection.read(until: "\r\n\r\n").hasPrefix("HTTP/1.1 200"))
            held.append(connection)
        }
        let waiting = try RawHTTP(port: port)
        waiting.send("GET /live HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(await waiting.readTimed(until: "\r\n\r\n", timeout: 1).text.isEmpty)
        held.forEach { $0.hangUp() }
        let served = await waiting.readTimed(until: "\r\n\r\n", timeout: 20)
        #expect(served.text.hasPrefix("HTTP/1.1 200"), "the waiting connection got \(served.text.debugDescription)")
        waiting.hangUp()
        server.cancel()
        _ = try? await server.value
    }
}
