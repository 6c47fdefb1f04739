import BotKit
import GatewayCore
import Testing

@testable import GatewayDomain

/// The pieces of prompt caching that need no server: reading a marker, keeping blocks only
/// when marked, counting and pricing the cache's reads and writes.
@Suite struct PromptCacheUnitTests {
    @Test func onlyAnthropicsMarkerIsAMarker() {
        #expect(CacheControl(json: ["type": "ephemeral"]) == CacheControl())
        #expect(CacheControl(json: ["type": "ephemeral", "ttl": "1h"])?.json == ["type": "ephemeral", "ttl": "1h"])
        #expect(CacheControl(json: ["type": "ephemeral", "ttl": .null]) == CacheControl())
        for bad: JSONValue in [
            "ephemeral", ["type": "persistent"], ["type": "ephemeral", "ttl": "2h"], ["type": "ephemeral", "scope": "all"], [:],
        ] {
            #expect(CacheControl(json: bad) == nil, "\(bad)")
        }
    }

    @Test func blocksAreKeptOnlyWhenOneIsMarked() {
        let plain = ChatMessage(role: .user, blocks: [TextBlock("a"), TextBlock("b")])
        #expect(plain == ChatMessage(role: .user, content: "a\nb"))
        #expect(plain.isCacheMarked == false)
        let marked = ChatMessage(role: .user, blocks: [TextBlock("a", cache: CacheControl()), TextBlock("b")])
        #expect(marked.content == "a\nb")
        #expect(marked.blocks.map(\.text) == ["a", "b"])
        #expect(marked.isCacheMarked)
        #expect(ChatMessage(role: .tool, content: "r").blocks == [TextBlock("r")])
        #expect(ChatMessage(role: .assistant, content: "").blocks.isEmpty)
    }

    @Test func cacheWritesArePartOfTheInputAndPricedApart() {
        // Reads and writes together never exceed the input.
        let usage = TokenUsage(inputTokens: 10, outputTokens: 1, cachedInputTokens: 6, cacheWriteInputTokens: 9)
        #expect(usage.cacheWriteInputTokens == 4)
        #expect(TokenUsage(inputTokens: 10, outputTokens: 1, cacheWriteInputTokens: -3).cacheWriteInputTokens == 0)
        // 1 plain token at 1,000,000 µ, 6 read at 100,000 µ, 3 written at 1,250,000 µ, 2 out at 5,000,000 µ (per million).
        let price = BotPrice(input: 1_000_000, output: 5_000_000, cachedInput: 100_000, cacheWrite: 1_250_000)
        let call = TokenUsage(inputTokens: 10, outputTokens: 2, cachedInputTokens: 6, cacheWriteInputTokens: 3)
        #expect(price.cost(call) == 1_000 + 600 + 3_750 + 10_000)
        #expect(BotPrice(input: 7, output: 0, cachedInput: 0).cacheWrite == 7)
    }

    @Test func theCacheWritePriceIsASetting() throws {
        let price = try BotPrice(
            settings: ["PRICE_INPUT": "3", "PRICE_CACHE_WRITE": "3.75"], prefix: "BOT_CLAUDE_")
        #expect(price.cacheWrite == 3_750_000 && price.cachedInput == 3_000_000)
        #expect(try BotPrice(settings: ["PRICE_INPUT": "3"], prefix: "BOT_X_").cacheWrite == 3_000_000)
        #expect(throws: ConfigError.self) { try BotPrice(settings: ["PRICE_CACHE_WRITE": "-1"], prefix: "BOT_X_") }
    }
}
