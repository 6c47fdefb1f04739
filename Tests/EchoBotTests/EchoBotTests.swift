import BotKit
import BotKitTesting
import EchoBot
import Testing

@Suite struct EchoBotTests {
    @Test func passesTheConformanceKit() async throws {
        try await ConformanceKit(provider: EchoBot(), slowProvider: EchoBot(delay: .milliseconds(200))).runAll()
    }

    @Test func echoesTheLastUserMessageWordByWordWithPrefixAndUsage() async throws {
        let bot = try EchoBot(
            configuration: BotConfiguration(
                name: "default", kind: "echo", prefix: "BOT_ECHO_", settings: ["PREFIX": "Echo: "], timeout: .seconds(5)))
        let request = BotRequest(messages: [
            ChatMessage(role: .system, content: "be nice"), ChatMessage(role: .user, content: "first one"),
            ChatMessage(role: .assistant, content: "ok"), ChatMessage(role: .user, content: "hello  big world"),
        ])
        var deltas: [String] = []
        var completion: BotCompletion?
        for try await event in bot.stream(request) {
            switch event {
            case .delta(let piece): deltas.append(piece)
            case .toolCall: Issue.record("the echo bot calls no tools")
            case .completed(let value): completion = value
            }
        }
        #expect(deltas == ["Echo:", " hello", "  big", " world"])
        #expect(completion == BotCompletion(finishReason: .stop, usage: TokenUsage(inputTokens: 8, outputTokens: 4)))
        #expect(await bot.health() == .ok)
    }

    @Test(
        arguments: [
            ("", []), ("one", ["one"]), ("  lead", ["  lead"]), ("trail  ", ["trail  "]), ("a b\nc", ["a", " b", "\nc"]),
        ] as [(String, [String])])
    func wordsConcatenateBackToTheText(text: String, expected: [String]) {
        #expect(EchoBot.words(text) == expected)
        #expect(EchoBot.words(text).joined() == text)
    }

    @Test func rejectsABadDelaySetting() {
        #expect(throws: BotConfigurationError.self) {
            try EchoBot(
                configuration: BotConfiguration(
                    name: "e", kind: "echo", prefix: "BOT_E_", settings: ["DELAY_MS": "-1"], timeout: .seconds(1)))
        }
        var registry = BotRegistry()
        EchoBot.register(in: &registry)
        #expect(registry.kinds == ["echo"])
    }

    @Test func conformanceKitCatchesABrokenProvider() async throws {
        let kit = ConformanceKit(
            provider: NoCompletionBot(), slowProvider: EchoBot(delay: .milliseconds(200)), failingProvider: NoCompletionBot())
        await #expect(throws: ConformanceFailure.self) { try await kit.streamEndsWithExactlyOneCompletion() }
        await #expect(throws: ConformanceFailure.self) { try await kit.errorsAreBotErrors() }
        let deaf = ConformanceKit(provider: EchoBot(), slowProvider: DeadlineIgnoringBot(), promptness: .milliseconds(100))
        await #expect(throws: ConformanceFailure.self) { try await deaf.deadlineIsHonoured() }
        // A provider that does not report its running calls cannot show it stops them.
        await #expect(throws: ConformanceFailure.self) { try await deaf.cancellationStopsPromptly() }
        let stubborn = ConformanceKit(provider: EmptyDeltaBot(), slowProvider: StubbornBot(), promptness: .milliseconds(200))
        await #expect(throws: ConformanceFailure.self) { try await stubborn.cancellationStopsPromptly() }
        await #expect(throws: ConformanceFailure.self) { try await stubborn.collectedReplyEqualsDeltas() }
        let caller = ConformanceKit(provider: UndeclaredToolBot(), slowProvider: EchoBot(delay: .milliseconds(200)))
        await #expect(throws: ConformanceFailure.self) { try await caller.capabilitiesAreHonoured() }
        // Answering past the deadline is not an error the kit lets pass.
        await #expect(throws: ConformanceFailure.self) { try await stubborn.errorsAreBotErrors() }
    }

    @Test func botAnswerEndsWithItsCompletionAndStopsWithItsReader() async throws {
        let calls = CallCounter()
        let reply = try await BotAnswer.stream(counting: calls) { writer in
            try writer.delta("a")
            try writer.delta("b")
            return BotCompletion(finishReason: .length)
        }.collected()
        #expect(reply == BotReply(text: "ab", completion: BotCompletion(finishReason: .length)))
        await #expect(throws: BotError.upstreamFailure(status: 0)) {
            _ = try await BotAnswer.stream { _ in throw URLishError() }.collected()
        }
        // The first answer's task counts itself out just after its stream ends.
        try await Self.until { calls.running == 0 }
        let (reading, read) = AsyncStream<Void>.makeStream()
        let consumer = Task {
            defer { read.finish() }
            for try await _ in BotAnswer.stream(
                counting: calls,
                { writer in
                    while true {
                        try writer.delta("x")
                        try await Task.sleep(for: .milliseconds(10))
                    }
                })
            { read.yield() }
        }
        // The consumer has its first delta: the answer is running.
        for await _ in reading { break }
        #expect(calls.running == 1)
        consumer.cancel()
        _ = await consumer.result
        try await Self.until { calls.running == 0 }
        #expect(calls.running == 0)
    }

    /// Re-checks `condition` until it holds, at most 30 s.
    static func until(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while condition() == false, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
    }
}

struct URLishError: Error {}

extension AsyncThrowingStream where Element == BotEvent, Failure == any Error {
    func collected() async throws -> BotReply {
        var events: [BotEvent] = []
        for try await event in self { events.append(event) }
        return try BotReply(collecting: events)
    }
}

/// Answers with an empty delta and ignores its deadline: breaks the contract.
struct EmptyDeltaBot: BotProvider {
    func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        AsyncThrowingStream { continuation in
            continuation.yield(.delta(""))
            continuation.yield(.completed(BotCompletion()))
            continuation.finish()
        }
    }
    func health() async -> BotHealth { .ok }
}

/// Counts its calls but keeps working after its reader is gone: breaks the contract.
struct StubbornBot: BotProvider {
    let calls = CallCounter()
    func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        let calls = self.calls
        return AsyncThrowingStream { continuation in
            calls.started()
            Task {
                for _ in 0..<20 {
                    continuation.yield(.delta("tick "))
                    try? await Task.sleep(for: .milliseconds(50))
                }
                continuation.yield(.completed(BotCompletion()))
                continuation.finish()
                calls.stopped()
            }
        }
    }
    func health() async -> BotHealth { .ok }
    var statistics: BotStatistics { BotStatistics(activeCalls: calls.running) }
}

/// Ends its stream without a completion and never fails: breaks the contract.
struct NoCompletionBot: BotProvider {
    func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        AsyncThrowingStream { continuation in
            continuation.yield(.delta("x"))
            continuation.finish()
        }
    }
    func health() async -> BotHealth { .ok }
}

/// Takes a second whatever its deadline: breaks the contract.
struct DeadlineIgnoringBot: BotProvider {
    func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        AsyncThrowingStream { continuation in
            Task {
                try? await Task.sleep(for: .seconds(1))
                continuation.yield(.delta("late"))
                continuation.yield(.completed(BotCompletion()))
                continuation.finish()
            }
        }
    }
    func health() async -> BotHealth { .ok }
}

@Suite struct EchoEmbeddingTests {
    @Test func echoEmbeddingsAreDeterministicUnitVectors() async throws {
        let bot = EchoBot()
        #expect(bot.capabilities.contains(.embeddings))
        let one = try await bot.embed(EmbeddingRequest(inputs: ["hello world", "other"], deadline: .now + .seconds(1)))
        let again = try await bot.embed(EmbeddingRequest(inputs: ["hello world"], dimensions: 16, deadline: .now + .seconds(1)))
        #expect(one.vectors.count == 2)
        #expect(one.vectors[0] == again.vectors[0])
        #expect(one.vectors[0] != one.vectors[1])
        #expect(abs(one.vectors[0].reduce(0) { $0 + $1 * $1 } - 1) < 1e-9)
        #expect(one.inputTokens == 3)
        let wide = try await bot.embed(EmbeddingRequest(inputs: ["x"], dimensions: 64, deadline: .now + .seconds(1)))
        #expect(wide.vectors[0].count == 64)
        await #expect(throws: BotError.timeout) { _ = try await bot.embed(EmbeddingRequest(inputs: ["x"], deadline: .now)) }
    }
}

/// Calls a tool without declaring the tools capability: breaks the contract.
struct UndeclaredToolBot: BotProvider {
    func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        BotAnswer.stream { writer in
            try writer.toolCall(ToolCallDelta(index: 0, id: "c", name: "f", arguments: "{}"))
            return BotCompletion(finishReason: .toolCalls)
        }
    }
    func health() async -> BotHealth { .ok }
}
