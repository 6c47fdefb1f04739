import BotKit
import Testing

@testable import WebhookBot

/// What the gateway sends a webhook, and how a webhook bot is configured.
@Suite struct WebhookProtocolTests {
    @Test func theBodyCarriesEverything() throws {
        var options = GenerationOptions(maxTokens: 9, temperature: 0.5, topP: 0.9, stop: ["\n"], seed: 7, endUser: "u")
        options.tools = [ToolDefinition(name: "clock", description: "time")]
        options.toolChoice = .named("clock")
        options.responseFormat = .jsonSchema(name: "a", schema: ["type": "object"], strict: true)
        options.extras = ["top_k": 4]
        let messages = [
            ChatMessage(
                role: .user, content: "look", images: [.url("https://e.x/a.png"), .data(mediaType: "image/png", base64: "QQ==")]),
            ChatMessage(role: .assistant, content: "", toolCalls: [ToolCall(id: "c1", name: "clock", arguments: "{}")]),
            ChatMessage(role: .tool, content: "12:00", toolCallID: "c1"),
        ]
        let start = ContinuousClock.now
        let request = BotRequest(
            messages: messages, userID: "42", conversationID: "conv", options: options, deadline: start + .seconds(2))
        let body = WebhookProtocol.body(request, requestID: "r1", now: start)
        #expect(body["protocol_version"] == 1)
        #expect(body["request_id"] == "r1")
        #expect(body["deadline_ms"] == 2000)
        #expect(body["user_id"] == "42")
        #expect(body["conversation_id"] == "conv")
        #expect(
            body["messages"]?[0]?["content"]
                == [
                    ["type": "text", "text": "look"], ["type": "image", "url": "https://e.x/a.png"],
                    ["type": "image", "media_type": "image/png", "data": "QQ=="],
                ])
        #expect(body["messages"]?[1]?["tool_calls"] == [["id": "c1", "name": "clock", "arguments": "{}"]])
        #expect(body["messages"]?[1]?["content"] == [])
        #expect(body["messages"]?[2]?["tool_call_id"] == "c1")
        #expect(body["tools"]?[0]?["name"] == "clock")
        #expect(body["tool_choice"] == ["name": "clock"])
        #expect(body["options"]?["max_tokens"] == 9)
        #expect(body["options"]?["stop"] == ["\n"])
        #expect(body["options"]?["response_format"]?["type"] == "json_schema")
        #expect(body["options"]?["extras"] == ["top_k": 4])
        for choice in [ToolChoice.auto, .none, .required] {
            #expect(WebhookProtocol.toolChoice(choice).string != nil)
        }
        let plain = WebhookProtocol.body(BotRequest(messages: [], deadline: start - .seconds(1)), requestID: "r", now: start)
        #expect(plain["deadline_ms"] == 0)
        #expect(plain["tools"] == nil)
        #expect(plain["user_id"] == .null)
        let headers = WebhookProtocol.headers(requestID: "r", secret: "s")
        #expect(headers.contains("Bot-Protocol-Version: 1"))
        #expect(headers.contains("Bot-Secret: s"))
        #expect(WebhookProtocol.headers(requestID: "r", secret: nil).contains { $0.hasPrefix("Bot-Secret") } == false)
    }

    func configuration(_ settings: [String: String]) -> BotConfiguration {
        BotConfiguration(name: "mine", kind: "webhook", prefix: "BOT_MINE_", settings: settings, timeout: .seconds(5))
    }

    @Test func settingsAreCheckedNamingTheVariable() throws {
        let settings = try WebhookSettings(
            configuration([
                "URL": "http://127.0.0.1:9100/", "SECRET": "x", "CAPABILITIES": "tools, images,structured_output",
                "EXTRAS": "top_k",
            ]))
        #expect(settings.url == "http://127.0.0.1:9100")
        #expect(settings.capabilities == [.tools, .images, .structuredOutput])
        #expect(settings.extras == ["top_k"])
        let bot = WebhookBot(settings: settings)
        #expect(bot.capabilities == [.tools, .images, .structuredOutput])
        #expect(bot.acceptedExtras == ["top_k"])
        #expect((bot as any BotProvider) is any DeadlineBound)
        for (bad, variable) in [
            (["URL": "ftp://x"], "BOT_MINE_URL"), ([:], "BOT_MINE_URL"),
            (["URL": "http://x", "CAPABILITIES": "embeddings"], "BOT_MINE_CAPABILITIES"),
            (["URL": "http://x", "EXTRAS": "a b"], "BOT_MINE_EXTRAS"),
            (["URL": "http://x", "RETRIES": "99"], "BOT_MINE_RETRIES"),
            (["URL": "http://x/?a=1"], "BOT_MINE_URL"), (["URL": "http://x", "SECRET": "a b"], "BOT_MINE_SECRET"),
            (["URL": "http://x", "HEADERS": "X-A: 1\r\nX-B: 2"], "BOT_MINE_HEADERS"),
        ] {
            #expect(throws: BotConfigurationError.self) { try WebhookSettings(configuration(bad)) }
            do { _ = try WebhookSettings(configuration(bad)) } catch { #expect("\(error)".contains(variable), "\(error)") }
        }
    }

    @Test func anUnreachableWebhookIsUnavailableAndUnhealthy() async throws {
        let bot = WebhookBot(
            settings: try WebhookSettings(configuration(["URL": "http://127.0.0.1:9", "RETRIES": "0"])))
        await #expect(throws: BotError.self) {
            _ = try await bot.reply(BotRequest(messages: [ChatMessage(role: .user, content: "x")]))
        }
        #expect(await bot.health().healthy == false)
        var registry = BotRegistry()
        WebhookBot.register(in: &registry)
        #expect(registry.kinds == ["webhook"])
        #expect(registry.settingsExamples.first?.contains("BOT_MINE_URL") == true)
    }
}
