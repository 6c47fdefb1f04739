import BotKit
import BotKitTesting
import Foundation
import Logging
import Testing

@testable import BotTransport
@testable import HTTPBot

/// Sampling options reach each wire format under its own names.
@Suite struct SamplingOptionsTests {
    @Test(arguments: ["openai", "anthropic", "ollama"])
    func stopTopPSeedAndUserReachTheUpstream(api: String) async throws {
        let upstream = try await FakeUpstream.start()
        defer { upstream.stop() }
        let bot = try HTTPBotTests.bot(upstream, api: api, ["STREAM": "false"])
        var request = HTTPBotTests.ask(bot)
        request.options = GenerationOptions(topP: 0.5, stop: ["END", "STOP"], seed: 7, endUser: "end-user-1")
        _ = try await bot.reply(request)
        let sent = upstream.lastBody
        switch api {
        case "openai":
            #expect(sent["top_p"] as? Double == 0.5)
            #expect(sent["stop"] as? [String] == ["END", "STOP"])
            #expect(sent["seed"] as? Int == 7)
            #expect(sent["user"] as? String == "end-user-1")
        case "anthropic":
            #expect(sent["top_p"] as? Double == 0.5)
            #expect(sent["stop_sequences"] as? [String] == ["END", "STOP"])
            #expect((sent["metadata"] as? [String: Any])?["user_id"] as? String == "end-user-1")
        default:
            let options = sent["options"] as? [String: Any]
            #expect(options?["top_p"] as? Double == 0.5)
            #expect(options?["stop"] as? [String] == ["END", "STOP"])
            #expect(options?["seed"] as? Int == 7)
        }
    }
}

/// Images reach each wire format in its own shape.
@Suite struct ImageWireFormatTests {
    static func ask(_ images: [ImagePart]) -> BotRequest {
        BotRequest(
            messages: [ChatMessage(role: .user, content: "what is this?", images: images)], deadline: .now + .seconds(10))
    }

    @Test(arguments: ["openai", "anthropic", "ollama"])
    func imagesReachTheUpstream(api: String) async throws {
        let upstream = try await FakeUpstream.start()
        defer { upstream.stop() }
        let bot = try HTTPBotTests.bot(upstream, api: api, ["STREAM": "false"])
        #expect(bot.capabilities.contains(.images))
        _ = try await bot.reply(Self.ask([.data(mediaType: "image/png", base64: "iVBORw0KGgo=")]))
        let message = try #require((upstream.lastBody["messages"] as? [[String: Any]])?.last)
        switch api {
        case "openai":
            let parts = try #require(message["content"] as? [[String: Any]])
            #expect(parts.first?["text"] as? String == "what is this?")
            #expect((parts.last?["image_url"] as? [String: Any])?["url"] as? String == "data:image/png;base64,iVBORw0KGgo=")
        case "anthropic":
            let blocks = try #require(message["content"] as? [[String: Any]])
            let source = try #require(blocks.first?["source"] as? [String: Any])
            #expect(source["type"] as? String == "base64")
            #expect(source["media_type"] as? String == "image/png")
            #expect(source["data"] as? String == "iVBORw0KGgo=")
            #expect(blocks.last?["text"] as? String == "what is this?")
        default:
            #expect(message["content"] as? String == "what is this?")
            #expect(message["images"] as? [String] == ["iVBORw0KGgo="])
        }
    }

    @Test func urlImagesGoToAPIsThatTakeThemAndAreRefusedByOllama() async throws {
        let upstream = try await FakeUpstream.start()
        defer { upstream.stop() }
        let anthropic = try HTTPBotTests.bot(upstream, api: "anthropic", ["STREAM": "false"])
        _ = try await anthropic.reply(Self.ask([.url("https://example.com/cat.png")]))
        let blocks = (upstream.lastBody["messages"] as? [[String: Any]])?.last?["content"] as? [[String: Any]]
        #expect((blocks?.first?["source"] as? [String: Any])?["url"] as? String == "https://example.com/cat.png")
        let ollama = try HTTPBotTests.bot(upstream, api: "ollama", ["STREAM": "false", "RETRIES": "0"])
        await #expect(throws: BotError.rejected("Ollama takes images as base64 data only")) {
            _ = try await ollama.reply(Self.ask([.url("https://example.com/cat.png")]))
        }
    }

    @Test func imageURLsAreReadStrictly() {
        #expect(ImagePart(url: "data:image/jpeg;base64,AAAA") == .data(mediaType: "image/jpeg", base64: "AAAA"))
        #expect(ImagePart(url: "https://example.com/x.png") == .url("https://example.com/x.png"))
        for bad in [
            "data:text/plain;base64,AAAA", "data:image/png,AAAA", "data:image/png;base64,", "ftp://x", "file:///etc/passwd",
            "http://169.254.169.254/latest",
        ] {
            #expect(ImagePart(url: bad) == nil, "\(bad)")
        }
    }
}

/// Structured output reaches the APIs that have it; Anthropic's bots do not declare it.
@Suite struct ResponseFormatWireTests {
    @Test func jsonSchemaAndJsonObjectReachOpenAIAndOllama() async throws {
        let upstream = try await FakeUpstream.start()
        defer { upstream.stop() }
        let schema: JSONValue = ["type": "object", "properties": ["a": ["type": "string"]]]
        for api in ["openai", "ollama"] {
            let bot = try HTTPBotTests.bot(upstream, api: api, ["STREAM": "false"])
            #expect(bot.capabilities.contains(.structuredOutput))
            var request = HTTPBotTests.ask(bot)
            request.options.responseFormat = .jsonSchema(name: "thing", schema: schema, strict: true)
            _ = try await bot.reply(request)
            let sent = upstream.lastBody
            if api == "openai" {
                let format = try #require(sent["response_format"] as? [String: Any])
                #expect(format["type"] as? String == "json_schema")
                let spec = try #require(format["json_schema"] as? [String: Any])
                #expect(spec["name"] as? String == "thing")
                #expect(spec["strict"] as? Bool == true)
                #expect((spec["schema"] as? [String: Any])?["type"] as? String == "object")
            } else {
                #expect((sent["format"] as? [String: Any])?["type"] as? String == "object")
            }
            request.options.responseFormat = .jsonObject
            _ = try await bot.reply(request)
            if api == "openai" {
                #expect((upstream.lastBody["response_format"] as? [String: Any])?["type"] as? String == "json_object")
            } else {
                #expect(upstream.lastBody["format"] as? String == "json")
            }
        }
        let anthropic = try HTTPBotTests.bot(upstream, api: "anthropic")
        #expect(anthropic.capabilities.contains(.structuredOutput) == false)
    }
}

/// `EXTRAS`: the members an operator lets clients pass through reach the upstream.
@Suite struct ExtrasTests {
    @Test(arguments: ["openai", "anthropic", "ollama"])
    func extrasReachTheUpstream(api: String) async throws {
        let upstream = try await FakeUpstream.start()
        defer { upstream.stop() }
        let bot = try HTTPBotTests.bot(upstream, api: api, ["STREAM": "false", "EXTRAS": "top_k, min_p"])
        #expect(bot.acceptedExtras == ["top_k", "min_p"])
        var request = HTTPBotTests.ask(bot)
        request.options.extras = ["top_k": 40]
        _ = try await bot.reply(request)
        let sent = upstream.lastBody
        let target = api == "ollama" ? sent["options"] as? [String: Any] : sent
        #expect(target?["top_k"] as? Int == 40)
    }

    @Test func extrasNeverNameWhatTheGatewayWrites() throws {
        for bad in ["model", "Top_K", "a-b", "messages,top_k"] {
            #expect(throws: BotConfigurationError.self, "\(bad)") {
                try HTTPBotSettings(
                    BotConfiguration(
                        name: "x", kind: "http", prefix: "BOT_X_", settings: ["URL": "http://x", "MODEL": "m", "EXTRAS": bad],
                        timeout: .seconds(1)))
            }
        }
    }
}

/// Cached and reasoning tokens are read where each API reports them.
@Suite struct UsageDetailTests {
    @Test func cachedAndReasoningTokensAreRead() {
        let openai: JSONValue = [
            "prompt_tokens": 100, "completion_tokens": 50, "prompt_tokens_details": ["cached_tokens": 80],
            "completion_tokens_details": ["reasoning_tokens": 30],
        ]
        #expect(
            OpenAIFormat.usage(openai)
                == TokenUsage(inputTokens: 100, outputTokens: 50, cachedInputTokens: 80, reasoningTokens: 30))
        #expect(OpenAIFormat.usage(["prompt_tokens": 1, "completion_tokens": 2]) == TokenUsage(inputTokens: 1, outputTokens: 2))
        let anthropic: JSONValue = [
            "input_tokens": 10, "output_tokens": 5, "cache_read_input_tokens": 70, "cache_creation_input_tokens": 20,
        ]
        #expect(
            AnthropicFormat.usage(anthropic)
                == TokenUsage(inputTokens: 100, outputTokens: 5, cachedInputTokens: 70, cacheWriteInputTokens: 20))
    }
}

/// Embeddings over OpenAI's and Ollama's endpoints; Anthropic has none.
@Suite struct EmbeddingWireTests {
    @Test(arguments: ["openai", "ollama"])
    func vectorsComeBackInInputOrder(api: String) async throws {
        let upstream = try await FakeUpstream.start()
        defer { upstream.stop() }
        let bot = try HTTPBotTests.bot(upstream, api: api)
        #expect(bot.capabilities.contains(.embeddings))
        let result = try await bot.embed(EmbeddingRequest(inputs: ["a", "b"], dimensions: 2, deadline: .now + .seconds(5)))
        #expect(result == Embeddings(vectors: [[1, 0], [0.5, 0.5]], inputTokens: 4))
        #expect(upstream.lastBody["input"] as? [String] == ["a", "b"])
        #expect(upstream.lastBody["dimensions"] as? Int == 2)
        await #expect(throws: BotError.upstreamFailure(status: 0)) {
            _ = try await bot.embed(EmbeddingRequest(inputs: ["a", "b", "c"], deadline: .now + .seconds(5)))
        }
    }

    @Test func anthropicMakesNoEmbeddings() async throws {
        let upstream = try await FakeUpstream.start()
        defer { upstream.stop() }
        let bot = try HTTPBotTests.bot(upstream, api: "anthropic")
        #expect(bot.capabilities.contains(.embeddings) == false)
        await #expect(throws: BotError.self) {
            _ = try await bot.embed(EmbeddingRequest(inputs: ["a"], deadline: .now + .seconds(5)))
        }
    }
}
