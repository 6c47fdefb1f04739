import BotKit
import Foundation
import Testing

/// Prompt caching reaches the model: every `cache_control` marker a client sets arrives at
/// an Anthropic-format upstream where the client put it, `prompt_cache_key` at an
/// OpenAI-format one, and the cache's reads and writes come back in usage and are priced.
@Suite struct PromptCacheTests {
    @Test func markersAndCacheKeysReachTheModel() async throws {
        let model = try await SDKScript.run("prompt_cache_client.py", email: "cache@example.com") { client, key in
            // A marker that is not Anthropic's shape is refused, naming where it is.
            let bad = try await client.send(
                .post, "/v1/chat/completions",
                json:
                    #"{"model":"claude","messages":[{"role":"user","content":[{"type":"text","text":"x","cache_control":{"type":"forever"}}]}]}"#,
                bearer: key)
            #expect(bad.status == .badRequest)
            #expect((try bad.json()["error"] as? [String: Any])?["param"] as? String == "messages[0].content[0].cache_control")
        }
        let claude = model.received.filter { $0["model"] == .string("c") }
        let up = model.received.filter { $0["model"] == .string("m") }
        try #require(claude.count == 4 && up.count == 2)
        let ephemeral: JSONValue = ["type": "ephemeral"]
        // /v1/messages: the system blocks, the tool, the text block and the tool result keep
        // their markers, where the client put them, and nothing else gains one.
        let messages = JSONValue.object(claude[0])
        #expect(
            messages["system"]
                == [
                    ["type": "text", "text": "long system prompt", "cache_control": ephemeral],
                    ["type": "text", "text": "today"],
                ])
        #expect(messages["tools"]?[0]?["cache_control"] == ["type": "ephemeral", "ttl": "1h"])
        #expect(
            messages["messages"]?[0]?["content"]
                == [["type": "text", "text": "find cats", "cache_control": ephemeral], ["type": "text", "text": "quickly"]])
        #expect(messages["messages"]?[1]?["content"]?[0]?["cache_control"] == nil)
        #expect(messages["messages"]?[2]?["content"]?[0]?["type"] == "tool_result")
        #expect(messages["messages"]?[2]?["content"]?[0]?["cache_control"] == ephemeral)
        #expect(Self.markers(messages) == 4)
        // /v1/chat/completions and /v1/responses: the marked parts arrive as marked blocks.
        #expect(claude[1]["system"] == [["type": "text", "text": "long system prompt", "cache_control": ephemeral]])
        #expect(
            claude[3]["messages"]?[0]?["content"]
                == [["type": "text", "text": "long prefix", "cache_control": ephemeral], ["type": "text", "text": "hi"]])
        // A chat-completions tool message's marked part marks the tool_result it becomes.
        let result = claude[2]["messages"]?[2]?["content"]?[0]
        #expect(result?["type"] == "tool_result" && result?["cache_control"] == ephemeral)
        // OpenAI's wire takes the cache key, never Anthropic's markers.
        #expect(up.map { $0["prompt_cache_key"] } == ["tenant-7", "tenant-8"])
        #expect(up.allSatisfy { Self.markers(.object($0)) == 0 })
    }

    /// How many `cache_control` members a body holds, at any depth.
    static func markers(_ value: JSONValue) -> Int {
        switch value {
        case .object(let members): members.reduce(members["cache_control"] == nil ? 0 : 1) { $0 + markers($1.value) }
        case .array(let items): items.reduce(0) { $0 + markers($1) }
        default: 0
        }
    }
}
