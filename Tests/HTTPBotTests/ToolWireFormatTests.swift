import BotKit
import BotKitTesting
import Foundation
import Logging
import Testing

@testable import BotTransport
@testable import HTTPBot

/// Tools in OpenAI's wire format: definitions, choice, past calls and results go up; calls
/// come back whole or in streamed pieces.
@Suite struct ToolWireFormatTests {
    @Test(arguments: [false, true])
    func toolCallsTravelBothWays(stream: Bool) async throws {
        let upstream = try await FakeUpstream.start()
        defer { upstream.stop() }
        let bot = try HTTPBotTests.bot(upstream, model: "tool", ["STREAM": String(stream)])
        #expect(bot.capabilities.contains(.tools))
        var request = BotRequest(
            messages: [
                ChatMessage(role: .user, content: "weather?"),
                ChatMessage(
                    role: .assistant, content: "", toolCalls: [ToolCall(id: "call_0", name: "get_weather", arguments: "{}")]),
                ChatMessage(role: .tool, content: "sunny", toolCallID: "call_0"),
            ], deadline: .now + .seconds(10))
        request.options.tools = [
            ToolDefinition(name: "get_weather", description: "Weather of a city", parameters: ["type": "object"])
        ]
        request.options.toolChoice = .named("get_weather")
        let reply = try await bot.reply(request)
        #expect(reply.toolCalls == [ToolCall(id: "call_1", name: "get_weather", arguments: #"{"city":"Paris"}"#)])
        #expect(reply.completion.finishReason == .toolCalls)
        #expect(reply.text.isEmpty)
        let sent = upstream.lastBody
        let tools = try #require(sent["tools"] as? [[String: Any]])
        #expect((tools.first?["function"] as? [String: Any])?["name"] as? String == "get_weather")
        #expect(((sent["tool_choice"] as? [String: Any])?["function"] as? [String: Any])?["name"] as? String == "get_weather")
        let messages = try #require(sent["messages"] as? [[String: Any]])
        #expect((messages[1]["tool_calls"] as? [[String: Any]])?.first?["id"] as? String == "call_0")
        #expect(messages[1]["content"] is NSNull)
        #expect(messages[2]["role"] as? String == "tool")
        #expect(messages[2]["tool_call_id"] as? String == "call_0")
    }

    @Test(arguments: [false, true])
    func anthropicToolUseTravelsBothWays(stream: Bool) async throws {
        let upstream = try await FakeUpstream.start()
        defer { upstream.stop() }
        let bot = try HTTPBotTests.bot(upstream, api: "anthropic", model: "tool", ["STREAM": String(stream)])
        #expect(bot.capabilities.contains(.tools))
        var request = BotRequest(
            messages: [
                ChatMessage(role: .system, content: "sys"), ChatMessage(role: .user, content: "weather?"),
                ChatMessage(
                    role: .assistant, content: "Checking.",
                    toolCalls: [
                        ToolCall(id: "toolu_0", name: "get_weather", arguments: #"{"city":"Rome"}"#),
                        ToolCall(id: "toolu_9", name: "get_weather", arguments: #"{"city":"Oslo"}"#),
                    ]),
                ChatMessage(role: .tool, content: "sunny", toolCallID: "toolu_0"),
                ChatMessage(role: .tool, content: "snow", toolCallID: "toolu_9"),
            ], deadline: .now + .seconds(10))
        request.options.tools = [ToolDefinition(name: "get_weather", parameters: ["type": "object"])]
        request.options.toolChoice = .required
        let reply = try await bot.reply(request)
        #expect(reply.text == "Let me check.")
        #expect(reply.toolCalls == [ToolCall(id: "toolu_1", name: "get_weather", arguments: #"{"city":"Paris"}"#)])
        #expect(reply.completion.finishReason == .toolCalls)
        let sent = upstream.lastBody
        #expect((sent["tools"] as? [[String: Any]])?.first?["input_schema"] is [String: Any])
        #expect((sent["tool_choice"] as? [String: Any])?["type"] as? String == "any")
        let messages = try #require(sent["messages"] as? [[String: Any]])
        #expect(messages.count == 3)
        let uses = try #require(messages[1]["content"] as? [[String: Any]])
        #expect(uses.map { $0["type"] as? String } == ["text", "tool_use", "tool_use"])
        #expect((uses[1]["input"] as? [String: Any])?["city"] as? String == "Rome")
        #expect(messages[2]["role"] as? String == "user")
        let results = try #require(messages[2]["content"] as? [[String: Any]])
        #expect(results.map { $0["tool_use_id"] as? String } == ["toolu_0", "toolu_9"])
    }

    @Test(arguments: [false, true])
    func ollamaToolCallsTravelBothWays(stream: Bool) async throws {
        let upstream = try await FakeUpstream.start()
        defer { upstream.stop() }
        let bot = try HTTPBotTests.bot(upstream, api: "ollama", model: "tool", ["STREAM": String(stream), "RETRIES": "0"])
        #expect(bot.capabilities.contains(.tools))
        var request = BotRequest(
            messages: [
                ChatMessage(role: .user, content: "weather?"),
                ChatMessage(
                    role: .assistant, content: "",
                    toolCalls: [ToolCall(id: "c0", name: "get_weather", arguments: #"{"city":"Rome"}"#)]),
                ChatMessage(role: .tool, content: "sunny", toolCallID: "c0"),
            ], deadline: .now + .seconds(10))
        request.options.tools = [ToolDefinition(name: "get_weather")]
        let reply = try await bot.reply(request)
        #expect(reply.toolCalls == [ToolCall(id: "call_0", name: "get_weather", arguments: #"{"city":"Paris"}"#)])
        #expect(reply.completion.finishReason == .toolCalls)
        let sent = upstream.lastBody
        #expect(((sent["tools"] as? [[String: Any]])?.first?["function"] as? [String: Any])?["name"] as? String == "get_weather")
        let messages = try #require(sent["messages"] as? [[String: Any]])
        let past = try #require((messages[1]["tool_calls"] as? [[String: Any]])?.first?["function"] as? [String: Any])
        #expect((past["arguments"] as? [String: Any])?["city"] as? String == "Rome")
        #expect(messages[2]["role"] as? String == "tool")
        request.options.toolChoice = .required
        await #expect(throws: BotError.rejected("Ollama has no tool_choice: only auto is possible")) {
            _ = try await bot.reply(request)
        }
    }

    @Test func piecesAreAssembledByIndex() {
        var calls = ToolCallAssembler()
        calls.add(ToolCallDelta(index: 1, id: "b", name: "second", arguments: "{"))
        calls.add(ToolCallDelta(index: 0, id: "a", name: "first", arguments: "{}"))
        calls.add(ToolCallDelta(index: 1, arguments: "}"))
        #expect(
            calls.calls == [
                ToolCall(id: "a", name: "first", arguments: "{}"), ToolCall(id: "b", name: "second", arguments: "{}"),
            ])
    }
}
