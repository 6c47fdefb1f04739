import BotKit
import BotKitTesting
import Foundation
import Logging
import Testing

@testable import BotTransport
@testable import HTTPBot

/// HTTPBot against real HTTP servers on loopback.
@Suite(.serialized) struct HTTPBotTests {
    static func bot(
        _ upstream: FakeUpstream, api: String = "openai", model: String = "ok", _ extra: [String: String] = [:],
        timeout: Duration = .seconds(10)
    ) throws -> HTTPBot {
        let base = api == "openai" ? upstream.base + "/v1" : upstream.base
        var settings = ["URL": base, "API": api, "MODEL": model, "API_KEY": "sk-secret", "RETRY_BASE_MS": "10"]
        settings.merge(extra) { $1 }
        let configuration = BotConfiguration(name: "t", kind: "http", prefix: "BOT_T_", settings: settings, timeout: timeout)
        return HTTPBot(settings: try HTTPBotSettings(configuration), name: "t")
    }

    static func ask(_ bot: HTTPBot, deadline: Duration = .seconds(10)) -> BotRequest {
        BotRequest(
            messages: [ChatMessage(role: .system, content: "sys"), ChatMessage(role: .user, content: "hi")],
            options: GenerationOptions(maxTokens: 50, temperature: 0.2), deadline: .now + deadline)
    }

    @Test(arguments: ["openai", "anthropic", "ollama"], [true, false])
    func repliesInEachFormatStreamedAndNot(api: String, stream: Bool) async throws {
        let upstream = try await FakeUpstream.start()
        defer { upstream.stop() }
        let bot = try Self.bot(upstream, api: api, ["STREAM": stream ? "true" : "false"])
        var deltas: [String] = []
        var completion: BotCompletion?
        for try await event in bot.stream(Self.ask(bot)) {
            switch event {
            case .delta(let text): deltas.append(text)
            case .toolCall: Issue.record("no tools were offered")
            case .completed(let value): completion = value
            }
        }
        #expect(deltas.joined() == "Hello from \(api)")
        if stream { #expect(deltas.count == 3) }
        #expect(completion?.usage == TokenUsage(inputTokens: 7, outputTokens: 3))
        let expectedFinish: FinishReason = api == "anthropic" && stream == false ? .length : .stop
        #expect(completion?.finishReason == expectedFinish)
        let sent = upstream.lastBody
        #expect(sent["model"] as? String == "ok")
        #expect(sent["stream"] as? Bool == stream)
        if api == "anthropic" {
            #expect(sent["system"] as? String == "sys")
            #expect((sent["messages"] as? [[String: Any]])?.count == 1)
            #expect(sent["max_tokens"] as? Int == 50)
        } else {
            #expect((sent["messages"] as? [[String: Any]])?.count == 2)
        }
        #expect(await bot.health() == .ok)
    }

    @Test func passesTheConformanceKit() async throws {
        let upstream = try await FakeUpstream.start()
        defer { upstream.stop() }
        let refused = BotConfiguration(
            name: "down", kind: "http", prefix: "BOT_DOWN_",
            settings: ["URL": "http://127.0.0.1:9", "MODEL": "ok", "RETRIES": "0"], timeout: .seconds(5))
        try await ConformanceKit(
            provider: try Self.bot(upstream), slowProvider: try Self.bot(upstream, model: "drip"),
            failingProvider: HTTPBot(settings: try HTTPBotSettings(refused)), promptness: .seconds(5)
        ).runAll()
    }

    @Test func rateLimitIsRetriedHonouringRetryAfterThenReported() async throws {
        let upstream = try await FakeUpstream.start()
        defer { upstream.stop() }
        let bot = try Self.bot(upstream, model: "status-429", ["RETRIES": "1"])
        let started = ContinuousClock.now
        await #expect(throws: BotError.rateLimited(retryAfterSeconds: 1)) { _ = try await bot.reply(Self.ask(bot)) }
        #expect(ContinuousClock.now - started >= .milliseconds(900))
        #expect(upstream.calls("status-429") == 2)
    }

    @Test func serverErrorsAreRetriedAndRecover() async throws {
        let upstream = try await FakeUpstream.start()
        defer { upstream.stop() }
        let flaky = try Self.bot(upstream, model: "flaky", ["RETRIES": "2"])
        #expect(try await flaky.reply(Self.ask(flaky)).text == "Hello from openai")
        #expect(upstream.calls("flaky") == 3)
        let capture = LineCapture()
        let settings = try HTTPBotSettings(
            BotConfiguration(
                name: "t", kind: "http", prefix: "BOT_T_",
                settings: [
                    "URL": upstream.base + "/v1", "MODEL": "status-500", "API_KEY": "sk-secret", "RETRIES": "1",
                    "RETRY_BASE_MS": "10",
                ],
                timeout: .seconds(10)))
        let broken = HTTPBot(settings: settings, logger: Logger(label: "t") { _ in capture })
        // A 500 may come after the upstream ran (and billed) the call: it is not retried.
        await #expect(throws: BotError.upstreamFailure(status: 500)) { _ = try await broken.reply(Self.ask(broken)) }
        #expect(upstream.calls("status-500") == 1)
        let gone = try Self.bot(upstream, model: "status-504", ["RETRIES": "2", "RETRY_BASE_MS": "10"])
        await #expect(throws: BotError.upstreamFailure(status: 504)) { _ = try await gone.reply(Self.ask(gone)) }
        #expect(upstream.calls("status-504") == 1)
        // A 502 says the request never reached the model: retried.
        let proxied = try Self.bot(upstream, model: "status-502", ["RETRIES": "2", "RETRY_BASE_MS": "10"])
        await #expect(throws: BotError.upstreamFailure(status: 502)) { _ = try await proxied.reply(Self.ask(proxied)) }
        #expect(upstream.calls("status-502") == 3)
        // The upstream echoed the key in its error body; the logged body has it masked.
        #expect(capture.text.contains("upstream says no"))
        #expect(capture.text.contains("sk-secret") == false)
        let bad = try Self.bot(upstream, model: "status-400")
        await #expect(throws: BotError.rejected("HTTP 400")) { _ = try await bad.reply(Self.ask(bad)) }
        #expect(upstream.calls("status-400") == 1)
        let unauthorized = try Self.bot(upstream, model: "status-401")
        await #expect(throws: BotError.self) { _ = try await unauthorized.reply(Self.ask(unauthorized)) }
    }

    @Test func connectionRefusedIsUnavailable() async throws {
        let configuration = BotConfiguration(
            name: "down", kind: "http", prefix: "BOT_DOWN_",
            settings: ["URL": "http://127.0.0.1:9/v1", "MODEL": "m", "RETRIES": "1", "RETRY_BASE_MS": "10"], timeout: .seconds(5))
        let bot = HTTPBot(settings: try HTTPBotSettings(configuration))
        let error = await #expect(throws: BotError.self) { _ = try await bot.reply(Self.ask(bot)) }
        #expect(error?.code == "bot_unavailable")
        #expect(await bot.health().healthy == false)
    }

    @Test func hangingUpstreamHitsTheIdleTimeoutAndDeadline() async throws {
        let upstream = try await FakeUpstream.start()
        defer { upstream.stop() }
        let idle = try Self.bot(upstream, model: "hang", ["IDLE_TIMEOUT_SECONDS": "1", "RETRIES": "0"])
        let started = ContinuousClock.now
        await #expect(throws: BotError.timeout) { _ = try await idle.reply(Self.ask(idle)) }
        // Far below the upstream's 30 s hang (generous: the whole suite runs in parallel).
        #expect(ContinuousClock.now - started < .seconds(12))
        let deadline = try Self.bot(upstream, model: "hang")
        let again = ContinuousClock.now
        await #expect(throws: BotError.timeout) { _ = try await deadline.reply(Self.ask(deadline, deadline: .milliseconds(400))) }
        #expect(ContinuousClock.now - again < .seconds(8))
    }

    @Test func slowDripStreamsEveryPiece() async throws {
        let upstream = try await FakeUpstream.start()
        defer { upstream.stop() }
        let bot = try Self.bot(upstream, model: "drip")
        var count = 0
        for try await event in bot.stream(Self.ask(bot)) { if case .delta = event { count += 1 } }
        #expect(count == 15)
    }

    @Test(arguments: ["cut", "malformed", "huge"])
    func brokenAnswersAreUpstreamFailures(model: String) async throws {
        let upstream = try await FakeUpstream.start()
        defer { upstream.stop() }
        // A deadline no busy machine reaches: these fail by what they send, not by time.
        let bot = try Self.bot(upstream, model: model, ["RETRIES": "0", "MAX_RESPONSE_BYTES": "100000"], timeout: .seconds(120))
        let error = await #expect(throws: BotError.self) { _ = try await bot.reply(Self.ask(bot, deadline: .seconds(120))) }
        #expect(error?.code == "bot_upstream_error")
    }

    /// A half-open breaker's probe closes it once the upstream answers, not once a slow
    /// client has read the whole answer: meanwhile other calls pass.
    @Test func aProbeClosesTheBreakerAtItsFirstOutput() async throws {
        let upstream = try await FakeUpstream.start()
        defer { upstream.stop() }
        let bot = try Self.bot(
            upstream, model: "flood",
            ["STREAM": "true", "MAX_RESPONSE_BYTES": "\(128 << 20)", "BREAKER_FAILURES": "1", "BREAKER_COOLDOWN_SECONDS": "1"])
        bot.deployments[0].client.breaker.recordFailure(now: .now - .seconds(2))
        var probe = bot.stream(Self.ask(bot)).makeAsyncIterator()
        _ = try await probe.next()
        #expect(bot.deployments[0].client.breaker.current == .closed(failures: 0))
        var other = bot.stream(Self.ask(bot)).makeAsyncIterator()
        guard case .delta = try await other.next() else { throw BotError.upstreamFailure(status: 0) }
    }

    @Test func circuitBreakerOpensFailsFastAndCloses() async throws {
        let configuration = BotConfiguration(
            name: "down", kind: "http", prefix: "BOT_DOWN_",
            settings: [
                "URL": "http://127.0.0.1:9", "MODEL": "m", "RETRIES": "0", "BREAKER_FAILURES": "2",
                "BREAKER_COOLDOWN_SECONDS": "1",
            ],
            timeout: .seconds(5))
        let bot = HTTPBot(settings: try HTTPBotSettings(configuration))
        for _ in 0..<2 { _ = try? await bot.reply(Self.ask(bot)) }
        // Refused by the breaker before any transfer starts (the error says so).
        await #expect(throws: BotError.unavailable("circuit open")) { _ = try await bot.reply(Self.ask(bot)) }
        #expect(await bot.health() == BotHealth(healthy: false, detail: "circuit open"))

        let breaker = CircuitBreaker(threshold: 2, cooldown: .seconds(1))
        let now = ContinuousClock.now
        breaker.recordFailure(now: now)
        #expect(breaker.allow(now: now))
        breaker.recordFailure(now: now)
        #expect(breaker.allow(now: now + .milliseconds(500)) == false)
        #expect(breaker.allow(now: now + .seconds(2)))
        #expect(breaker.current == .halfOpen)
        #expect(breaker.allow(now: now + .seconds(2)) == false)
        breaker.recordFailure(now: now + .seconds(2))
        #expect(breaker.allow(now: now + .milliseconds(2500)) == false)
        #expect(breaker.allow(now: now + .seconds(4)))
        breaker.recordSuccess()
        #expect(breaker.current == .closed(failures: 0))
    }

    @Test func fiveHundredConcurrentStreamsUseAFewThreads() async throws {
        let upstream = try await FakeUpstream.start()
        defer { upstream.stop() }
        let bot = try Self.bot(upstream, model: "drip")
        // The transport's thread and every thread it starts (they inherit its name): other
        // suites of this process start threads of their own meanwhile.
        let peak = ThreadPeak(named: "curl-transport")
        let sampler = Task {
            while Task.isCancelled == false {
                peak.sample()
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        let replies = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<500 { group.addTask { try await bot.reply(Self.ask(bot, deadline: .seconds(60))).text } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        sampler.cancel()
        #expect(replies.count == 500)
        #expect(Set(replies).count == 1)
        // One curl driver, no thread per call (500 calls would add 500) nor per name lookup.
        #expect(peak.value == 1, "peak transport threads \(peak.value)")
        #expect(CurlTransport.driverThreads.current == 1)
    }

    /// 32 callers, each making calls back to back, share at most 32 upstream connections
    /// (counted by the upstream), and the bot reports the same count.
    @Test(arguments: [true, false])
    func concurrentCallsReuseUpstreamConnections(stream: Bool) async throws {
        let upstream = try await FakeUpstream.start()
        defer { upstream.stop() }
        let bot = try Self.bot(upstream, ["STREAM": String(stream)])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<32 {
                group.addTask { for _ in 0..<8 { _ = try await bot.reply(Self.ask(bot)) } }
            }
            try await group.waitForAll()
        }
        #expect(upstream.calls("ok") == 256)
        let opened = upstream.connections.withLockedValue { $0 }
        #expect(opened <= 32, "\(opened) connections for 256 calls from 32 callers")
        #expect(bot.statistics.upstreamConnectionsOpened == opened)
    }

    @Test func settingsRejectBadValuesNamingTheVariable() throws {
        func settings(_ values: [String: String]) throws -> HTTPBotSettings {
            try HTTPBotSettings(
                BotConfiguration(name: "x", kind: "http", prefix: "BOT_X_", settings: values, timeout: .seconds(1)))
        }
        #expect(throws: BotConfigurationError("BOT_X_URL", "is required for a http bot")) { try settings(["MODEL": "m"]) }
        #expect(throws: BotConfigurationError.self) { try settings(["URL": "ftp://x", "MODEL": "m"]) }
        #expect(throws: BotConfigurationError.self) { try settings(["URL": "http://x", "MODEL": "m", "API": "soap"]) }
        #expect(throws: BotConfigurationError.self) { try settings(["URL": "http://x", "MODEL": "m", "HEADERS": "novalue"]) }
        let parsed = try settings(["URL": "http://x/", "MODEL": "m", "HEADERS": "X-A: 1; X-B: 2", "STREAM": "no"])
        #expect(parsed.baseURL == "http://x")
        #expect(parsed.upstream.extraHeaders == ["X-A: 1", "X-B: 2"])
        #expect(parsed.stream == false)
    }

    @Test func parsersHandleSplitLinesAndErrorEvents() throws {
        var framer = LineFramer(maxLine: 16)
        #expect(try framer.feed(Array("ab".utf8)) == [])
        #expect(try framer.feed(Array("c\r\nd\n".utf8)) == ["abc", "d"])
        #expect(throws: WireError.self) { try framer.feed(Array(repeating: UInt8(ascii: "x"), count: 20)) }
        var openai = OpenAIFormat.StreamParser()
        #expect(throws: WireError.upstream("boom")) {
            try openai.feed(Array("data: {\"error\":{\"message\":\"boom\"}}\n\n".utf8))
        }
        var anthropic = AnthropicFormat.StreamParser()
        #expect(throws: WireError.upstream("overloaded")) {
            try anthropic.feed(Array("event: error\ndata: {\"type\":\"error\",\"error\":{\"message\":\"overloaded\"}}\n\n".utf8))
        }
        var ollama = OllamaFormat.StreamParser()
        #expect(throws: WireError.upstream("no model")) { try ollama.feed(Array("{\"error\":\"no model\"}\n".utf8)) }
    }
}
