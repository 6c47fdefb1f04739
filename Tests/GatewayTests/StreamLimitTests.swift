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

/// Streams are bounded: per user, in total, by a reader that stops reading, and by
/// shutdown.
@Suite struct StreamLimitTests {
    static func streamRequest(_ token: String, message: String = "go") -> String {
        let body = #"{"message":"\#(message)"}"#
        return "POST /api/v1/chat/stream HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    /// A client that stops reading is disconnected after the write timeout; the bot is
    /// cancelled and what was produced is stored as partial.
    @Test func aStalledReaderIsDisconnected() async throws {
        try await TestApp.run(["BOT_PROVIDER": "flood", "STREAM_WRITE_TIMEOUT_SECONDS": "0.5"]) { client, services in
            let token = try await ChatTests.signIn(client, "stall@example.com")
            let before = TestBots.floodCancellations.withLockedValue { $0 }
            let raw = try RawHTTP(port: try #require(client.port))
            var size = Int32(4096)
            setsockopt(raw.fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            raw.send(Self.streamRequest(token))
            // Never read: the socket buffers fill, the gateway's write waits, then gives up.
            for _ in 0..<500 where services.streams.open > 0 || TestBots.floodCancellations.withLockedValue({ $0 }) == before {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(TestBots.floodCancellations.withLockedValue { $0 } > before)
            #expect(services.streams.open == 0)
            var status: String?
            for _ in 0..<100 where status == nil {
                status = try await services.pool.query("SELECT status FROM messages WHERE role = 'assistant'").first?
                    .decode("status")
                if status == nil { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(status == "partial")
            raw.hangUp()
        }
    }

    /// A `/v1` client that leaves before the first token frees its stream, stops the bot
    /// and is still charged for what was produced.
    @Test func aV1ClientLeavingEarlyFreesItsStreamAndIsCharged() async throws {
        try await TestApp.run(["BOT_PROVIDER": "slow"]) { client, services in
            let token = try await ChatTests.signIn(client, "early@example.com")
            let before = TestBots.cancellations.withLockedValue { $0 }
            let body = #"{"model":"default","stream":true,"messages":[{"role":"user","content":"go"}]}"#
            let raw = try RawHTTP(port: try #require(client.port))
            raw.send(
                "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            // Leaves once the gateway has admitted the stream.
            #expect(try await AuthCacheTests.eventually { services.streams.open > 0 })
            raw.hangUp()
            for _ in 0..<250 where services.streams.open > 0 || TestBots.cancellations.withLockedValue({ $0 }) == before {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(services.streams.open == 0)
            #expect(TestBots.cancellations.withLockedValue { $0 } > before)
            var requests = 0
            for _ in 0..<100 where requests == 0 {
                requests =
                    try await services.pool.query("SELECT coalesce(sum(requests), 0)::int AS n FROM usage_daily").first?
                    .decode("n", as: Int.self) ?? 0
                if requests == 0 { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(requests == 1)
        }
    }

    @Test func streamsAreLimitedPerUserAndInTotal() async throws {
        let env = ["BOT_PROVIDER": "slow", "BOTS": "quick=echo", "MAX_STREAMS_PER_USER": "1", "MAX_STREAMS": "2"]
        try await TestApp.run(env) { client, services in
            let ada = try await ChatTests.signIn(client, "ada@example.com")
            let bob = try await ChatTests.signIn(client, "bob@example.com")
            let eve = try await ChatTests.signIn(client, "eve@example.com")
            let first = try RawHTTP(port: try #require(client.port))
            first.send(Self.streamRequest(ada))
            _ = await first.read(until: "tick")
            let second = try await client.send(.post, "/api/v1/chat/stream", json: #"{"message":"x"}"#, bearer: ada)
            #expect(second.status == .tooManyRequests)
            #expect(try second.json()["code"] as? String == "too_many_streams")
            let v1 = try await client.send(
                .post, "/v1/chat/completions",
                json: #"{"model":"default","stream":true,"messages":[{"role":"user","content":"x"}]}"#, bearer: ada)
            #expect(v1.status == .tooManyRequests)
            let other = try RawHTTP(port: try #require(client.port))
            other.send(Self.streamRequest(bob))
            _ = await other.read(until: "tick")
            #expect(services.streams.open == 2)
            let third = try await client.send(.post, "/api/v1/chat/stream", json: #"{"message":"x"}"#, bearer: eve)
            #expect(third.status == .serviceUnavailable)
            #expect(try third.json()["code"] as? String == "server_busy")
            // Plain JSON chat is not a stream and is not limited (a quick bot: the slow one
            // never ends).
            let plain = try await client.send(.post, "/api/v1/chat", json: #"{"message":"x","bot":"quick"}"#, bearer: eve)
            #expect(plain.status == .ok)
            first.hangUp()
            other.hangUp()
        }
    }

    /// Shutdown: new streams are refused, open ones end with an `error` event once the
    /// grace period is over, and their turns are stored as partial.
    @Test func drainingEndsOpenStreamsWithAnErrorEvent() async throws {
        try await TestApp.run(["BOT_PROVIDER": "slow"]) { client, services in
            let token = try await ChatTests.signIn(client, "drain@example.com")
            let raw = try RawHTTP(port: try #require(client.port))
            raw.send(Self.streamRequest(token))
            _ = await raw.read(until: "tick")
            let drained = Task { await services.streams.drain(grace: .milliseconds(300)) }
            // Until the drain has begun: from then on new streams are refused.
            #expect(try await AuthCacheTests.eventually { services.streams.phase != .serving })
            let refused = try await client.send(.post, "/api/v1/chat/stream", json: #"{"message":"x"}"#, bearer: token)
            #expect(refused.status == .serviceUnavailable)
            #expect(try refused.json()["code"] as? String == "shutting_down")
            let rest = await raw.read(until: "shutting_down")
            #expect(rest.contains("event: error"))
            #expect(rest.contains("event: end") == false)
            await drained.value
            #expect(services.streams.open == 0)
            let status = try await services.pool.query("SELECT status FROM messages WHERE role = 'assistant'").first?
                .decode("status", as: String.self)
            #expect(status == "partial")
            raw.hangUp()
        }
    }
}
