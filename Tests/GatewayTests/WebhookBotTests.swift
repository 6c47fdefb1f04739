import BotCheck
import BotKit
import Foundation
import HTTPTypes
import Testing
import WebhookBot

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps

/// A bot in another language (the Python example) through the gateway as a `webhook`
/// bot: chat, SSE chat, `/v1` with a tool round trip, and a cancellation that reaches it.
@Suite struct WebhookGatewayTests {
    static func settings(_ bot: ExampleWebhookBot, _ extra: [String: String] = [:]) -> [String: String] {
        ["BOTS": "mine=webhook", "BOT_MINE_URL": bot.url, "BOT_MINE_CAPABILITIES": "tools"].merging(extra) { $1 }
    }

    @Test func chatStreamsAndToolCallsThroughTheExample() async throws {
        try await ExampleWebhookBot.with { bot in
            try await TestApp.run(Self.settings(bot)) { client, _ in
                try await client.register(email: "hook@example.com")
                let token = try await client.login(email: "hook@example.com").access
                let chat = try await client.send(
                    .post, "/api/v1/chat", json: #"{"message":"hello big world","bot":"mine"}"#, bearer: token)
                #expect(try chat.json()["response"] as? String == "dlrow gib olleh")
                #expect(try chat.json()["finish_reason"] as? String == "stop")

                let stream = try await client.send(
                    .post, "/api/v1/chat/stream", json: #"{"message":"one two","bot":"mine"}"#, bearer: token)
                let events = ChatTests.events(stream.text)
                #expect(events.map(\.0) == ["start", "delta", "delta", "end"])
                #expect(events.compactMap { $0.1["text"] as? String }.joined() == "owt eno")

                let tools = #"[{"type":"function","function":{"name":"clock","parameters":{"type":"object"}}}]"#
                let asked = try await client.send(
                    .post, "/v1/chat/completions",
                    json: #"{"model":"mine","messages":[{"role":"user","content":"time?"}],"tools":\#(tools)}"#,
                    bearer: token)
                let choice = try #require((try asked.json()["choices"] as? [[String: Any]])?.first)
                #expect(choice["finish_reason"] as? String == "tool_calls")
                let calls = (choice["message"] as? [String: Any])?["tool_calls"] as? [[String: Any]]
                #expect((calls?.first?["function"] as? [String: Any])?["name"] as? String == "clock")
                let id = try #require(calls?.first?["id"] as? String)
                let answered = try await client.send(
                    .post, "/v1/chat/completions",
                    json: #"""
                        {"model":"mine","tools":\#(tools),"messages":[{"role":"user","content":"time?"},
                         {"role":"assistant","content":null,"tool_calls":[{"id":"\#(id)","type":"function","function":{"name":"clock","arguments":"{}"}}]},
                         {"role":"tool","tool_call_id":"\#(id)","content":"12:00"}]}
                        """#, bearer: token)
                let message = (try answered.json()["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any]
                #expect(message?["content"] as? String == "The time is 12:00")
            }
        }
    }

    @Test func aClientThatHangsUpStopsTheExample() async throws {
        try await ExampleWebhookBot.with(["--delay", "0.1"]) { bot in
            try await TestApp.run(Self.settings(bot)) { client, _ in
                try await client.register(email: "hookcancel@example.com")
                let token = try await client.login(email: "hookcancel@example.com").access
                let raw = try RawHTTP(port: try #require(client.port))
                let body = #"{"message":"\#(Array(repeating: "word", count: 100).joined(separator: " "))","bot":"mine"}"#
                raw.send(
                    "POST /api/v1/chat/stream HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
                        + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                let started = await raw.read(until: "event: delta")
                #expect(started.contains("event: start"))
                #expect(try await Self.activeCalls(bot) == 1)
                raw.hangUp()
                var running = 1
                for _ in 0..<100 where running > 0 {
                    try await Task.sleep(for: .milliseconds(20))
                    running = try await Self.activeCalls(bot)
                }
                #expect(running == 0, "the example still works on a call the client left")
            }
        }
    }

    /// The example's own count of running calls.
    static func activeCalls(_ bot: ExampleWebhookBot) async throws -> Int {
        let raw = try RawHTTP(port: bot.port)
        defer { raw.hangUp() }
        raw.send("GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        let answer = await raw.read(until: "}")
        let body = try #require(answer.range(of: "\r\n\r\n").map { answer[$0.upperBound...] })
        let health = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        return try #require(health?["active_calls"] as? Int)
    }
}

/// The protocol's JSON Schemas describe what the gateway sends and what the example answers.
@Suite struct BotProtocolSchemaTests {
    @Test func messagesConformToTheSchemas() async throws {
        var options = GenerationOptions(maxTokens: 9, temperature: 0.5, topP: 0.9, stop: ["x"], seed: 1, endUser: "e")
        options.tools = [ToolDefinition(name: "clock", description: "The time")]
        options.responseFormat = .jsonSchema(name: "a", schema: ["type": "object"], strict: true)
        options.extras = ["top_k": 3]
        let request = BotRequest(
            messages: [
                ChatMessage(role: .system, content: "Be brief."),
                ChatMessage(
                    role: .user, content: "look",
                    images: [.url("https://e.x/a.png"), .data(mediaType: "image/png", base64: "QQ==")]),
                ChatMessage(role: .assistant, content: "", toolCalls: [ToolCall(id: "c1", name: "clock", arguments: "{}")]),
                ChatMessage(role: .tool, content: "12:00", toolCallID: "c1"),
                ChatMessage(role: .user, content: "and now?"),
            ], userID: "1", conversationID: "c", options: options)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bot-request-\(UUID()).json").path
        try Data(WebhookProtocol.body(request, requestID: "r1").jsonBytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let schemas = URL(fileURLWithPath: ExampleWebhookBot.script).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/bot-protocol").path
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Support/check_bot_protocol.py"
        ).path
        let python = ProcessInfo.processInfo.environment["TEST_PYTHON"] ?? "python3"
        try await ExampleWebhookBot.with { bot in
            let status = try await Subprocess.run(["/usr/bin/env", python, script, schemas, bot.url, path], quiet: false)
            #expect(status == 0)
        }
    }
}

/// `gateway bot-check` passes against the example (SSE, NDJSON, with a secret) and fails,
/// naming the check, against deliberately broken variants.
@Suite struct BotCheckTests {
    @Test(arguments: [[], ["--ndjson"], ["--secret", "s3cret-value"]])
    func theExamplePasses(arguments: [String]) async throws {
        try await ExampleWebhookBot.with(arguments) { bot in
            let secret = arguments.first == "--secret" ? arguments.last : nil
            // A loaded CI machine gets more time; the broken variants stay out far longer.
            let results = try await BotCheck(url: bot.url, secret: secret, capabilities: "tools", promptness: .seconds(3)).run()
            #expect(results.allSatisfy { $0.passed }, "\(results.map(\.line))")
            #expect(results.count == (secret == nil ? 8 : 9))
        }
    }

    @Test(arguments: [
        ("no-completion", "stream ends with exactly one completion"),
        ("wrong-order", "stream ends with exactly one completion"),
        ("ignore-cancel", "cancellation stops promptly"),
        ("ignore-deadline", "deadline is honoured"),
    ])
    func aBrokenVariantFailsNamingTheCheck(mode: String, check: String) async throws {
        try await ExampleWebhookBot.with(["--broken", mode]) { bot in
            let results = try await BotCheck(url: bot.url, promptness: .seconds(3)).run()
            let failed = results.filter { $0.passed == false }
            #expect(failed.map(\.name).contains(check), "\(results.map(\.line))")
            #expect(failed.first { $0.name == check }?.line.hasPrefix("FAIL  \(check): ") == true)
        }
    }

    @Test func aWrongSecretOrNoEndpointFails() async throws {
        try await ExampleWebhookBot.with(["--secret", "right-secret"]) { bot in
            let results = try await BotCheck(url: bot.url, secret: "wrong-secret").run()
            #expect(results.first?.line == "FAIL  health answers: GET /health answered HTTP 401")
        }
        let nobody = try await BotCheck(url: "http://127.0.0.1:9").run()
        #expect(nobody.allSatisfy { $0.passed == false })
        #expect(throws: BotConfigurationError.self) { try BotCheck(url: "ftp://x") }
        #expect(throws: BotConfigurationError.self) { try BotCheck(url: "http://x", capabilities: "embeddings") }
    }
}
