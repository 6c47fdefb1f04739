import BotKit
import BotTransport
import Testing

@testable import WebhookBot

/// The webhook answer parser: both framings, strict about what protocol v1 fixes, silent
/// about what later versions may add.
@Suite struct WebhookEventParserTests {
    func parse(_ text: String, chunk: Int = 7) throws -> [WireEvent] {
        var parser = WebhookEventParser()
        var events: [WireEvent] = []
        let bytes = Array(text.utf8)
        for start in stride(from: 0, to: bytes.count, by: chunk) {
            events += try parser.feed(Array(bytes[start..<min(start + chunk, bytes.count)]))
        }
        return events + (try parser.finish())
    }

    @Test func sseAndNDJSONReadTheSame() throws {
        let sse = """
            event: text-delta
            data: {"type":"text-delta","text":"Hel"}

            : a comment
            data: {"type":"text-delta","text":"lo","future":true}

            data: {"type":"some-future-event","x":1}

            data: {"type":"completed","finish_reason":"length","usage":{"input_tokens":3,"output_tokens":2,"cached_tokens":1}}


            """
        let ndjson = """
            {"type":"text-delta","text":"Hel"}
            {"type":"text-delta","text":"lo","future":true}
            {"type":"some-future-event","x":1}
            {"type":"text-delta","text":""}
            {"type":"completed","finish_reason":"length","usage":{"input_tokens":3,"output_tokens":2,"cached_tokens":1}}
            """
        let expected: [WireEvent] = [
            .delta("Hel"), .delta("lo"), .finish(.length),
            .usage(TokenUsage(inputTokens: 3, outputTokens: 2, cachedInputTokens: 1)), .done,
        ]
        #expect(try parse(sse) == expected)
        #expect(try parse(ndjson) == expected)
        #expect(try parse(ndjson, chunk: 1) == expected)
    }

    @Test func toolCallPiecesAndErrorCodes() throws {
        let calls = try parse(
            #"""
            {"type":"tool-call-delta","index":0,"id":"c1","name":"clock","arguments":"{"}
            {"type":"tool-call-delta","index":0,"arguments":"}"}
            {"type":"completed","finish_reason":"tool_calls"}
            """#)
        #expect(
            calls == [
                .toolCall(ToolCallDelta(index: 0, id: "c1", name: "clock", arguments: "{")),
                .toolCall(ToolCallDelta(index: 0, arguments: "}")), .finish(.toolCalls), .done,
            ])
        let codes: [(String, BotError)] = [
            (#""code":"bot_unavailable","message":"down""#, .unavailable("down")), (#""code":"bot_timeout""#, .timeout),
            (#""code":"bot_rate_limited","retry_after_seconds":3"#, .rateLimited(retryAfterSeconds: 3)),
            (#""code":"bot_rate_limited","retry_after_seconds":-5"#, .rateLimited(retryAfterSeconds: 0)),
            (#""code":"bot_rejected","message":"no""#, .rejected("no")),
            (#""code":"bot_upstream_error""#, .upstreamFailure(status: 502)),
        ]
        for (members, error) in codes {
            #expect(try parse(#"{"type":"error",\#(members)}"#) == [.failure(error)])
        }
    }

    @Test(arguments: [
        (#"{"type":"completed"}\#n{"type":"text-delta","text":"late"}"#, "a `text-delta` event after `completed`"),
        (#"{"type":"error","code":"bot_timeout"}\#n{"type":"completed"}"#, "a `completed` event after `error`"),
        (#"{"type":"text-delta","text":"x"}"#, "the stream ended without a `completed` or `error` event"),
        (#"{"text":"x"}"#, "an event without a string `type`"),
        (#"{"type":"text-delta","text":3}"#, "`text-delta` without a string `text`"),
        (
            #"{"type":"tool-call-delta","index":-1}"#,
            "`tool-call-delta` needs an `index` ≥ 0 and string `id`, `name`, `arguments`"
        ),
        (
            #"{"type":"completed","usage":{"input_tokens":-1,"output_tokens":0}}"#,
            "`usage` needs `input_tokens` and `output_tokens` ≥ 0"
        ),
        (
            #"{"type":"error","code":"oops"}"#,
            "`error` needs a `code` of bot_unavailable, bot_timeout, bot_rate_limited, bot_rejected or bot_upstream_error"
        ),
    ])
    func brokenAnswersAreNamed(text: String, problem: String) {
        #expect(throws: WireError.malformed(problem)) { try parse(text) }
    }

    @Test func notJSONIsMalformed() {
        #expect(throws: WireError.self) { try parse("{not json}\n") }
        #expect(throws: WireError.self) { try parse("data: [1]\n\n") }
    }
}

/// What protocol v1 fixes beyond the members of each event.
@Suite struct WebhookEventRuleTests {
    func parse(_ text: String) throws -> [WireEvent] {
        var parser = WebhookEventParser()
        return try parser.feed(Array(text.utf8)) + parser.finish()
    }

    @Test func aCallStartsWithItsIdAndName() {
        #expect(throws: WireError.malformed("a call's first `tool-call-delta` needs an `id` (1 to 256 bytes) and a `name`")) {
            try parse(#"{"type":"tool-call-delta","index":0,"arguments":"{}"}"# + "\n")
        }
    }

    @Test func nothingFollowsTheEndNotEvenUnknownEvents() {
        #expect(throws: WireError.malformed("a `some-future-event` event after `completed`")) {
            try parse(#"{"type":"completed"}"# + "\n" + #"{"type":"some-future-event"}"# + "\n")
        }
    }

    @Test func aLineThatIsNeitherJSONNorSSEIsRefused() {
        #expect(throws: WireError.self) { try parse(#" {"type":"text-delta","text":"x"}"# + "\n") }
        #expect(throws: WireError.self) { try parse("\u{FEFF}{\"type\":\"completed\"}\n") }
    }

    @Test func aNegativeRetryAfterIsZero() throws {
        #expect(
            try parse(#"{"type":"error","code":"bot_rate_limited","retry_after_seconds":-5}"# + "\n")
                == [.failure(.rateLimited(retryAfterSeconds: 0))])
    }
}

/// Hostile answers: random bytes and mangled valid streams, in random chunks, end in
/// events or a `WireError`, never a crash or a hang (a seeded generator, so CI repeats it).
@Suite struct WebhookEventHostileTests {
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func randomAndMangledAnswersNeverCrash() {
        var random = Seeded(state: 20_261_126)
        let valid = Array(
            """
            event: text-delta
            data: {"type":"text-delta","text":"Hi"}

            {"type":"tool-call-delta","index":0,"id":"c","name":"n","arguments":"{}"}
            {"type":"completed","finish_reason":"stop","usage":{"input_tokens":1,"output_tokens":2}}

            """.utf8)
        var outcomes = [0, 0]
        for round in 0..<3000 {
            var bytes: [UInt8]
            if round.isMultiple(of: 2) {
                bytes = (0..<Int.random(in: 0...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            } else {
                bytes = valid
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
            }
            var parser = WebhookEventParser()
            do {
                var start = 0
                while start < bytes.count {
                    let end = min(bytes.count, start + Int.random(in: 1...64, using: &random))
                    _ = try parser.feed(Array(bytes[start..<end]))
                    start = end
                }
                _ = try parser.finish()
                outcomes[0] += 1
            } catch is WireError {
                outcomes[1] += 1
            } catch {
                Issue.record("not a WireError: \(error)")
            }
        }
        #expect(outcomes[1] > 0)
        #expect(outcomes.reduce(0, +) == 3000)
    }
}
