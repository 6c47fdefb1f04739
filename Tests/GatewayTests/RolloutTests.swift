import Foundation
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps

/// A rolling update's SIGTERM during 100 streamed chats: `/ready` turns 503 at once while
/// everything is still served for the drain delay; streams that finish within the grace
/// are acknowledged and stored, the others end with an error event and are stored
/// partial; nothing acknowledged is lost.
@Suite struct RolloutTests {
    @Test func aSignalDuringHundredStreamsLosesNoAcknowledgedTurn() async throws {
        let port = try SilentListener.freePort()
        let database = try await TestDatabase.createMigrated()
        let services = try await TestApp.services(
            database: database,
            [
                "PORT": String(port), "BOT_ECHO_DELAY_MS": "40", "SHUTDOWN_DRAIN_SECONDS": "0.6",
                "SHUTDOWN_GRACE_SECONDS": "4", "MAX_STREAMS_PER_USER": "200",
            ])
        let server = Task { try await runGateway(services, signals: [.sigusr1]) }
        var up = false
        for _ in 0..<250 where up == false {
            up = (try? await RawHTTP.request(port: port, "GET", "/live").status) == 200
            if up == false { try await Task.sleep(for: .milliseconds(20)) }
        }
        try #require(up)
        let register = #"{"name":"R","email":"roll@example.com","password":"Passw0rd!"}"#
        #expect(try await RawHTTP.request(port: port, "POST", "/api/v1/users/register", json: register).status == 201)
        let credentials = #"{"email":"roll@example.com","password":"Passw0rd!"}"#
        let login = try await RawHTTP.request(port: port, "POST", "/api/v1/users/login", json: credentials)
        let token = String(
            try #require(login.text.components(separatedBy: #""access_token":""#).dropFirst().first?.prefix { $0 != "\"" }))

        // 100 streams at 40 ms a word: half short (10 to 59 words: they end before or within
        // the drain and grace), half far too long to (1,000 words), however late a loaded
        // machine handles the signal.
        let streams = try (0..<100).map { index in
            let stream = try RawHTTP(port: port)
            let words = Array(repeating: "w", count: index < 50 ? 10 + index : 1000).joined(separator: " ")
            stream.send(StreamLimitTests.streamRequest(token, message: words))
            return stream
        }
        // Every stream answered (its head and start event wait in its socket), then the
        // signal; nothing is read before it, so a loaded machine cannot delay it.
        #expect(await RawHTTP.allReadable(streams, timeout: .seconds(30)))
        kill(getpid(), SIGUSR1)
        var ready = 200
        for _ in 0..<250 where ready != 503 {
            ready = try await RawHTTP.request(port: port, "GET", "/ready").status
            if ready != 503 { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(ready == 503)
        #expect(try await RawHTTP.request(port: port, "GET", "/live").status == 200)
        // Still served during the drain: a new login, and a new stream.
        #expect(try await RawHTTP.request(port: port, "POST", "/api/v1/users/login", json: credentials).status == 200)

        try await server.value
        // Read after the server is gone: every stream's remaining events wait in its socket
        // (one reader at a time; 100 reader threads would crowd the process).
        var outcomes: [String] = []
        for stream in streams {
            outcomes.append(await stream.read(until: "\u{0}closed\u{0}"))
        }
        streams.forEach { $0.hangUp() }

        let acknowledged = outcomes.filter { $0.contains("event: end") }.compactMap(Self.messageID)
        let ended = outcomes.filter { $0.contains("event: error") }.compactMap(Self.messageID)
        let neither = outcomes.filter { $0.contains("event: end") == false && $0.contains("event: error") == false }
        #expect(acknowledged.count + ended.count == 100, "without an end: \(neither.map { $0.prefix(120) })")
        #expect(acknowledged.isEmpty == false, "no stream finished within the drain and grace")
        #expect(ended.isEmpty == false, "every stream finished: the test did not exercise the cut-off")
        let check = TestDatabase.pool(database)
        let rows = try await check.query("SELECT id::text AS id, status FROM messages WHERE role = 'assistant'")
        var status: [String: String] = [:]
        for row in rows.rows { status[try row.decode("id")] = try row.decode("status", as: String.self) }
        for id in acknowledged { #expect(status[id] == "ok", "acknowledged turn \(id) is \(status[id] ?? "missing")") }
        for id in ended { #expect(status[id] == "partial", "cut-off turn \(id) is \(status[id] ?? "missing")") }
        await check.shutdown()
    }

    /// The assistant message id from a stream's `start` event.
    static func messageID(_ text: String) -> String? {
        text.components(separatedBy: #""message_id":""#).dropFirst().first.map { String($0.prefix { $0 != "\"" }) }
    }
}
