import BotKit
import Foundation
import Testing

@testable import BotTransport
@testable import HTTPBot

/// A short chat through a real OpenAI-compatible server (e.g. llama.cpp's server with a
/// small model); runs only when `HTTPBOT_E2E_URL` is set (`HTTPBOT_E2E_MODEL`,
/// `HTTPBOT_E2E_API_KEY` optional).
@Suite struct HTTPBotEndToEndTests {
    static let environment = ProcessInfo.processInfo.environment

    @Test(.enabled(if: environment["HTTPBOT_E2E_URL"] != nil))
    func aRealServerAnswers() async throws {
        var settings = [
            "URL": Self.environment["HTTPBOT_E2E_URL"] ?? "", "MODEL": Self.environment["HTTPBOT_E2E_MODEL"] ?? "default",
        ]
        settings["API_KEY"] = Self.environment["HTTPBOT_E2E_API_KEY"]
        let bot = HTTPBot(
            settings: try HTTPBotSettings(
                BotConfiguration(name: "e2e", kind: "http", prefix: "HTTPBOT_E2E_", settings: settings, timeout: .seconds(120))))
        let reply = try await bot.reply(
            BotRequest(
                messages: [ChatMessage(role: .user, content: "Say hello in one word.")],
                options: GenerationOptions(maxTokens: 16),
                deadline: .now + .seconds(120)))
        #expect(reply.text.isEmpty == false)
        #expect(await bot.health().healthy)
    }
}
