import Foundation
import Testing
import UnixSignals

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps

/// The real shutdown path (`runGateway`), driven by a signal of its own so the other
/// suites of this process are untouched.
@Suite struct ShutdownTests {
    @Test func aSignalDrainsStreamsThenStopsWithinTheBound() async throws {
        let port = try SilentListener.freePort()
        let database = try await TestDatabase.createMigrated()
        let services = try await TestApp.services(
            database: database, ["BOT_PROVIDER": "slow", "PORT": String(port), "SHUTDOWN_GRACE_SECONDS": "0.3"])
        let server = Task { try await runGateway(services, signals: [.sigusr2]) }
        var up = false
        for _ in 0..<250 where up == false {
            up = (try? await RawHTTP.request(port: port, "GET", "/live").status) == 200
            if up == false { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(up)
        let register = #"{"name":"S","email":"stop@example.com","password":"Passw0rd!"}"#
        #expect(try await RawHTTP.request(port: port, "POST", "/api/v1/users/register", json: register).status == 201)
        let login = try await RawHTTP.request(
            port: port, "POST", "/api/v1/users/login", json: #"{"email":"stop@example.com","password":"Passw0rd!"}"#)
        let token = try #require(
            login.text.components(separatedBy: #""access_token":""#).dropFirst().first?.prefix { $0 != "\"" })
        let stream = try RawHTTP(port: port)
        stream.send(StreamLimitTests.streamRequest(String(token)))
        _ = await stream.read(until: "tick")

        let start = ContinuousClock.now
        kill(getpid(), SIGUSR2)
        let rest = await stream.read(until: "shutting_down")
        #expect(rest.contains("event: error"))
        try await server.value
        // Within the bound runGateway sets (drain 0 + twice the 0.3 s grace + 10 s), however
        // loaded the machine.
        #expect(ContinuousClock.now - start < .seconds(10.6))
        stream.hangUp()
        let check = TestDatabase.pool(database)
        let status = try await check.query("SELECT status FROM messages WHERE role = 'assistant'").first?
            .decode("status", as: String.self)
        #expect(status == "partial")
        await check.shutdown()
    }
}
