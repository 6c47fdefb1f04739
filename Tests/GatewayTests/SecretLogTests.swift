import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps

/// Every log line of the process (bots log through the global logging system).
final class GlobalLogSink: @unchecked Sendable {
    static let shared: GlobalLogSink = {
        let sink = GlobalLogSink()
        LoggingSystem.bootstrap { _ in LogCapture.CaptureHandler(capture: sink.capture) }
        return sink
    }()
    let capture = LogCapture()
}

@Suite struct SecretLogTests {
    @Test func passwordsTokensCookiesAndKeysNeverReachTheLogs() async throws {
        let global = GlobalLogSink.shared
        let local = LogCapture()
        let password = "Sup3r-Secret-Pass!"
        let apiKey = "sk-test-DO-NOT-LOG-\(UUID().uuidString)"
        // An upstream that refuses, echoing the key in its error body (which is logged).
        let env = [
            "BOTS": "remote=http", "BOT_REMOTE_URL": "http://127.0.0.1:9/v1", "BOT_REMOTE_MODEL": "m",
            "BOT_REMOTE_API_KEY": apiKey, "BOT_REMOTE_RETRIES": "0", "LOG_LEVEL": "trace",
        ]
        let seen = NIOLockedValueBox([password, apiKey])
        try await TestApp.run(env, logger: local.logger) { client, services in
            try await client.register(email: "quiet@example.com", password: password)
            _ = try await client.send(
                .post, "/api/v1/users/login", json: #"{"email":"quiet@example.com","password":"wrong-\#(password)"}"#)
            let grant = try await client.login(email: "quiet@example.com", password: password)
            let refreshed = try await client.send(.post, "/api/v1/users/refresh-token", cookie: grant.refresh)
            let rotated = try #require(refreshed.refreshCookie)
            _ = try await client.send(.post, "/api/v1/users/refresh-token", cookie: grant.refresh)  // reuse
            _ = try await client.send(.post, "/api/v1/chat", json: #"{"message":"hi","bot":"remote"}"#, bearer: grant.access)
            _ = try await client.send(.get, "/api/v1/users/me", bearer: grant.access + "x")
            _ = try await client.send(.post, "/api/v1/users/logout", bearer: grant.access, cookie: rotated)
            seen.withLockedValue { $0 += [grant.access, grant.refresh, rotated] }
        }
        let logs = local.all + "\n" + global.capture.all
        #expect(logs.contains("security_event"))
        for secret in seen.withLockedValue({ $0 }) {
            #expect(logs.contains(secret) == false, "a secret reached the logs: \(secret.prefix(8))…")
        }
    }
}
