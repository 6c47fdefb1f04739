import BotKit
import Testing

@Suite struct BotConfigurationTests {
    let configuration = BotConfiguration(
        name: "claude", kind: "http", prefix: "BOT_CLAUDE_",
        settings: ["URL": " https://x ", "N": "12", "BAD": "twelve", "T": "0.5", "FLAG": "no", "EMPTY": "  "],
        timeout: .seconds(5))

    @Test func readsTypedSettingsAndNamesTheVariableOnErrors() throws {
        #expect(configuration.string("URL") == "https://x")
        #expect(configuration.string("EMPTY") == nil)
        #expect(try configuration.require("URL") == "https://x")
        #expect(try configuration.int("N", default: 1, range: 1...20) == 12)
        #expect(try configuration.int("MISSING", default: 7, range: 1...20) == 7)
        #expect(try configuration.double("T", range: 0...1) == 0.5)
        #expect(try configuration.bool("FLAG", default: true) == false)
        #expect(throws: BotConfigurationError("BOT_CLAUDE_MODEL", "is required for a http bot")) {
            try configuration.require("MODEL")
        }
        let error = #expect(throws: BotConfigurationError.self) { try configuration.int("BAD", default: 1, range: 1...20) }
        #expect(error?.description == "configuration error: BOT_CLAUDE_BAD must be an integer between 1 and 20, got \"twelve\"")
        #expect(throws: BotConfigurationError.self) { try configuration.int("N", default: 1, range: 1...5) }
        #expect(throws: BotConfigurationError.self) { try configuration.double("URL", range: 0...1) }
        #expect(throws: BotConfigurationError.self) { try configuration.bool("URL", default: true) }
        #expect(throws: BotConfigurationError.self) { try configuration.choice("URL", ["a", "b"], default: "a") }
        #expect(try configuration.choice("MISSING", ["a", "b"], default: "b") == "b")
    }

    @Test func registryBuildsKnownKindsAndRejectsUnknownOnes() throws {
        var registry = BotRegistry()
        registry.register(kind: "Static") { _ in StaticBot() }
        #expect(registry.kinds == ["static"])
        var config = configuration
        config.kind = "static"
        #expect(try registry.make(config, kindVariable: "BOTS") is StaticBot)
        config.kind = "nope"
        let error = #expect(throws: BotConfigurationError.self) { try registry.make(config, kindVariable: "BOTS") }
        #expect(error?.variable == "BOTS")
        #expect(error?.problem.contains("unknown bot kind \"nope\"") == true)
    }

    @Test func replyCollectsTheStreamAndErrorsHaveSafeMessages() async throws {
        let reply = try await StaticBot().reply(BotRequest(messages: [ChatMessage(role: .user, content: "hi")]))
        #expect(
            reply
                == BotReply(
                    text: "a b",
                    completion: BotCompletion(finishReason: .stop, usage: TokenUsage(inputTokens: 1, outputTokens: 2))))
        #expect(reply.completion.usage?.totalTokens == 3)
        let errors: [BotError] = [
            .unavailable("x"), .timeout, .rateLimited(retryAfterSeconds: 3), .rejected("y"), .upstreamFailure(status: 500),
        ]
        #expect(Set(errors.map(\.code)).count == errors.count)
        for error in errors {
            #expect(error.safeMessage.isEmpty == false)
            #expect(error.safeMessage.contains("x") == false || error.safeMessage.contains("y") == false)
            #expect(error.description.isEmpty == false)
        }
        #expect(BotError.wrap(BotError.timeout) == .timeout)
        #expect(BotError.wrap(CancellationError()) == .upstreamFailure(status: 0))
    }

    @Test func aStreamWithoutCompletionIsAnUpstreamFailure() async throws {
        await #expect(throws: BotError.upstreamFailure(status: 0)) {
            _ = try await TruncatedBot().reply(BotRequest(messages: []))
        }
    }

    @Test func checkDeadlineThrowsTimeoutOncePassed() throws {
        let request = BotRequest(messages: [ChatMessage(role: .user, content: "x")], deadline: .now - .seconds(1))
        #expect(throws: BotError.timeout) { try request.checkDeadline() }
        #expect(request.lastUserMessage == "x")
        #expect(BotRequest(messages: []).lastUserMessage == "")
    }
}

struct StaticBot: BotProvider {
    func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        AsyncThrowingStream { continuation in
            continuation.yield(.delta("a"))
            continuation.yield(.delta(" b"))
            continuation.yield(.completed(BotCompletion(usage: TokenUsage(inputTokens: 1, outputTokens: 2))))
            continuation.finish()
        }
    }
    func health() async -> BotHealth { .ok }
}

struct TruncatedBot: BotProvider {
    func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        AsyncThrowingStream { continuation in
            continuation.yield(.delta("a"))
            continuation.finish()
        }
    }
    func health() async -> BotHealth { BotHealth(healthy: false, detail: "down") }
}
