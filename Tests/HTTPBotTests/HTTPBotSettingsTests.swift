import BotKit
import Testing

@testable import BotTransport
@testable import HTTPBot

/// Settings that need no upstream.
@Suite struct HTTPBotSettingsTests {
    /// A client may ask for fewer tokens than the operator's `MAX_TOKENS`, never more.
    @Test func theOperatorsMaxTokensCapsTheClients() throws {
        let configuration = { (extra: [String: String]) in
            BotConfiguration(
                name: "t", kind: "http", prefix: "BOT_T_",
                settings: ["URL": "http://127.0.0.1:9", "MODEL": "m"].merging(extra) { $1 },
                timeout: .seconds(5))
        }
        let capped = try HTTPBotSettings(configuration(["MAX_TOKENS": "100"]))
        let open = try HTTPBotSettings(configuration([:]))
        let ask = { (tokens: Int?) in BotRequest(messages: [], options: GenerationOptions(maxTokens: tokens)) }
        #expect(capped.maxTokens(for: ask(5000)) == 100)
        #expect(capped.maxTokens(for: ask(10)) == 10)
        #expect(capped.maxTokens(for: ask(nil)) == 100)
        #expect(open.maxTokens(for: ask(5000)) == 5000)
        #expect(open.maxTokens(for: ask(nil)) == nil)
    }
}
