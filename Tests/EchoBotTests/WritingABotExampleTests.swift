import BotKit
import BotKitTesting
import EchoBot
import Testing

/// docs/bots.md's "Writing a bot" example, as written there: it compiles and conforms.
public enum ShoutBot {
    public static func register(in registry: inout BotRegistry) {
        registry.register(kind: "shout") { request, writer in
            try writer.delta(request.lastUserMessage.uppercased())
            return BotCompletion(finishReason: .stop)
        }
    }
}

@Suite struct WritingABotExampleTests {
    @Test func theReadmesShoutBotConforms() async throws {
        var registry = BotRegistry()
        ShoutBot.register(in: &registry)
        #expect(registry.kinds == ["shout"])
        let bot = try registry.make(
            BotConfiguration(name: "loud", kind: "shout", prefix: "BOT_LOUD_", settings: [:], timeout: .seconds(5)),
            kindVariable: "BOTS")
        // The whole kit, the slow answer included: a function bot is held to its deadline
        // and counted by BotKit, whatever the function does.
        let slow = FunctionBot { request, writer in
            try await Task.sleep(for: .seconds(30))  // ignores its deadline on purpose
            try writer.delta("late")
            return BotCompletion()
        }
        let kit = ConformanceKit(provider: bot, slowProvider: slow)
        try await kit.runAll()
        #expect(try await bot.reply(kit.request()).text == "HELLO FROM THE CONFORMANCE KIT")
    }
}
