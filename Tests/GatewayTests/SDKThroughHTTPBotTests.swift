import BotKit
import Foundation
import HummingbirdTesting
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps

/// The official SDKs through the gateway and its HTTP bots to a model on loopback, both
/// wire formats behind both ingress APIs; then the bodies the model received show the
/// wire format each bot kind sent.
@Suite struct SDKThroughHTTPBotTests {
    @Test func toolsImagesAndJSONTravelEndToEnd() async throws {
        let model = try await SDKScript.run("sdk_through_httpbot.py", email: "e2e@example.com")
        let bodies = model.received
        let openai = bodies.filter { $0["model"] == .string("m") }
        let claude = bodies.filter { $0["model"] == .string("c") }
        #expect(openai.count == 11)
        #expect(claude.count == 10)
        // Anthropic's count endpoint got what a message request sends the model, and nothing more.
        let count = try #require(model.receivedCounts.first)
        #expect(model.receivedCounts.count == 1)
        #expect(Set(count.keys) == ["model", "system", "messages", "tools"])
        #expect(count["model"] == .string("c") && count["system"] == .string("Be brief."))
        // OpenAI's wire: function tools, an assistant's tool_calls and a tool message, image_url parts.
        #expect(openai.contains { $0["tools"]?[0]?["function"]?["name"] == .string("lookup") })
        #expect(openai.contains { $0["messages"]?.array?.contains { $0["role"] == .string("tool") } == true })
        #expect(openai.contains { $0["messages"]?[0]?["content"]?[1]?["type"] == .string("image_url") })
        #expect(openai.contains { $0["response_format"]?["type"] == .string("json_schema") })
        // Anthropic's wire: input_schema tools, tool_use and tool_result blocks, image blocks.
        #expect(claude.contains { $0["tools"]?[0]?["input_schema"] != nil })
        #expect(claude.contains { $0["messages"]?[1]?["content"]?[0]?["type"] == .string("tool_use") })
        #expect(claude.contains { $0["messages"]?[2]?["content"]?[0]?["type"] == .string("tool_result") })
        #expect(claude.contains { $0["messages"]?[0]?["content"]?[0]?["source"]?["type"] == .string("base64") })
    }
}
