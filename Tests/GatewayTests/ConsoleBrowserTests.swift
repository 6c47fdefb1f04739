import Foundation
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps

/// The web console in a real browser: headless Chromium driven by Selenium signs in,
/// opens each page, disables a user and streams a playground reply. Screenshots are saved
/// under `.build/console-screenshots/`.
@Suite struct ConsoleBrowserTests {
    @Test func aBrowserSignsInAndUsesEveryPage() async throws {
        let python = ProcessInfo.processInfo.environment["TEST_PYTHON"] ?? "python3"
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let script = here.appendingPathComponent("Support/console_browser.py").path
        let shots = here.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/console-screenshots").path
        let env = ["ADMIN_EMAILS": "console@example.com", "COOKIE_SECURE": "false", "BOT_ECHO_DELAY_MS": "20"]
        try await TestApp.run(env) { client, services in
            try await client.register(name: "Console Admin", email: "console@example.com")
            #expect(try await services.admins.setAdmin(email: "console@example.com", true))
            try await client.register(name: "Mallory", email: "mallory@example.com")
            let token = try await client.login(email: "console@example.com").access
            for message in ["one", "two three"] {
                _ = try await client.send(.post, "/api/v1/chat", json: #"{"message":"\#(message)"}"#, bearer: token)
            }
            let port = try #require(client.port)
            let status = try await Subprocess.run(
                [
                    "/usr/bin/env", python, script, "http://127.0.0.1:\(port)", "console@example.com", "Passw0rd!",
                    "mallory@example.com", shots,
                ], quiet: false)
            #expect(status == 0)
        }
    }
}
