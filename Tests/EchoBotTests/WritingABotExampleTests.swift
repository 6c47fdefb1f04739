import BotKit
import BotKitTesting
import EchoBot
import Testing

/// docs/bots.md's "Writing a bot" example, as written there: it compiles and conforms.
public struct ShoutBot: BotProvider {
    public init(configuration: BotConfiguration) throws {}

    public static func register(in registry: inout BotRegistry) {
        registry.register(kind: "shout") { try ShoutBot(configuration: $0) }
    }

    let calls = CallCounter()  // its running calls, for BotStatistics and the conformance kit

    /// Writes deltas as they come and returns the completion: exactly one, by construction.
    /// The reader's cancellation cancels the task; any error that is not a `BotError`
    /// becomes an upstream failure.
    public func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        BotAnswer.stream(counting: calls) { writer in
            try await request.sleep(for: .milliseconds(20))  // a model's pause, never past the deadline
            try writer.delta(request.lastUserMessage.uppercased())
            return BotCompletion(finishReason: .stop)
        }
    }

    public var statistics: BotStatistics { BotStatistics(activeCalls: calls.running) }
    public func health() async -> BotHealth { .ok }  // cheap; never bills a model call
}

@Suite struct WritingABotExampleTests {
    @Test func theReadmesShoutBotConforms() async throws {
        var registry = BotRegistry()
        ShoutBot.register(in: &registry)
        #expect(registry.kinds == ["shout"])
        let bot = try ShoutBot(
            configuration: BotConfiguration(name: "loud", kind: "shout", prefix: "BOT_LOUD_", settings: [:], timeout: .seconds(5))
        )
        let kit = ConformanceKit(provider: bot, slowProvider: EchoBot(delay: .milliseconds(200)))
        try await kit.streamEndsWithExactlyOneCompletion()
        try await kit.collectedReplyEqualsDeltas()
        try await kit.errorsAreBotErrors()
        #expect(try await bot.reply(kit.request()).text == "HELLO FROM THE CONFORMANCE KIT")
    }
}
