import Foundation
import HummingbirdTesting
import Testing

/// A Python script of `Support/` run with the official SDKs against a gateway whose bots
/// `up` (OpenAI's wire) and `claude` (Anthropic's) speak to one `ModelUpstream` on loopback.
enum SDKScript {
    /// Runs `script` (`GATEWAY_URL API_KEY`), then `more` with the client and the key; the
    /// model (what it received) is handed back after the gateway stopped.
    static func run(
        _ script: String, email: String,
        more: @Sendable (any TestClientProtocol, String) async throws -> Void = { _, _ in }
    ) async throws -> ModelUpstream {
        let python = ProcessInfo.processInfo.environment["TEST_PYTHON"] ?? "python3"
        let model = try await ModelUpstream.start()
        defer { model.stop() }
        let bots = [
            "BOTS": "up=http,claude=http", "BOT_UP_URL": model.base + "/v1", "BOT_UP_MODEL": "m", "BOT_UP_RETRIES": "0",
            "BOT_CLAUDE_URL": model.base, "BOT_CLAUDE_API": "anthropic", "BOT_CLAUDE_MODEL": "c", "BOT_CLAUDE_RETRIES": "0",
        ]
        try await TestApp.run(bots) { client, _ in
            try await client.register(email: email)
            let token = try await client.login(email: email).access
            let key = try #require(try await OpenAICompatibilityTests.key(client, token: token)["key"] as? String)
            let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(script).path
            let status = try await Subprocess.run(
                ["/usr/bin/env", python, path, "http://localhost:\(try #require(client.port))", key], quiet: false)
            #expect(status == 0, "\(script) failed (its output is above)")
            try await more(client, key)
        }
        return model
    }
}
