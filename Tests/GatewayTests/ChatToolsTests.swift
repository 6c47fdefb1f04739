import BotKit
import Foundation
import HTTPTypes
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import Postgres

/// Tools on the chat API: a bot's tool calls come back with the reply (and as `tool_call`
/// events), results answer them in the next turn, and the stored conversation replays the
/// whole exchange.
@Suite struct ChatToolsTests {
    static let chat = "/api/v1/chat"

    @Test func aToolRoundTripIsAnsweredStoredAndReplayed() async throws {
        try await TestApp.run(["BOTS": "toolsy=toolsy,probe=probe"]) { client, services in
            try await client.register(email: "tools@example.com")
            let token = try await client.login(email: "tools@example.com").access
            let asked = try await client.send(
                .post, Self.chat,
                json: #"{"message":"cats","bot":"toolsy","tools":[{"name":"lookup","description":"Finds things"}]}"#,
                bearer: token)
            let body = try asked.json()
            #expect(body["finish_reason"] as? String == "tool_calls")
            let calls = try #require(body["tool_calls"] as? [[String: Any]])
            #expect(calls.count == 1)
            #expect(calls.first?["id"] as? String == "call_42")
            #expect(calls.first?["name"] as? String == "lookup")
            #expect(calls.first?["arguments"] as? String == #"{"q":"cats"}"#)
            let id = try #require(body["conversation_id"] as? String)

            let answered = try await client.send(
                .post, Self.chat,
                json:
                    #"{"conversation_id":"\#(id)","bot":"toolsy","tool_results":[{"tool_call_id":"call_42","content":"meow"}]}"#,
                bearer: token)
            #expect(try answered.json()["response"] as? String == "result: meow for call_42")
            #expect(try answered.json()["tool_calls"] == nil)

            // The next turn sees the call, its result and the answer, in order.
            let replayed = try await client.send(
                .post, Self.chat, json: #"{"message":"more","conversation_id":"\#(id)","bot":"probe"}"#, bearer: token)
            #expect(
                try replayed.json()["response"] as? String
                    == "user:cats|assistant:|tool:meow|assistant:result: meow for call_42|user:more")
            let rows = try await services.pool.query(
                "SELECT role, content, parts::text AS parts FROM messages WHERE conversation_id = \(UUID(uuidString: id)!) ORDER BY seq"
            )
            let roles = try rows.rows.map { try $0.decode("role", as: String.self) }
            #expect(roles == ["user", "assistant", "user", "assistant", "user", "assistant"])
            let results = try rows.rows.dropFirst(2).first?.decode("parts", as: String.self) ?? ""
            #expect(results.replacingOccurrences(of: " ", with: "").contains(#""tool_results":[{"#))
        }
    }

    /// Results whose turn failed (the bot was down) can be sent again; the context keeps
    /// one result per call.
    @Test func resultsCanBeSentAgainAfterAFailedTurn() async throws {
        try await TestApp.run(["BOTS": "toolsy=toolsy,down=failing,probe=probe"]) { client, _ in
            try await client.register(email: "retry@example.com")
            let token = try await client.login(email: "retry@example.com").access
            let asked = try await client.send(
                .post, Self.chat, json: #"{"message":"cats","bot":"toolsy","tools":[{"name":"lookup"}]}"#, bearer: token)
            let id = try #require(try asked.json()["conversation_id"] as? String)
            let results = #""tool_results":[{"tool_call_id":"call_42","content":"meow"}]"#
            let failed = try await client.send(
                .post, Self.chat, json: #"{"conversation_id":"\#(id)","bot":"down",\#(results)}"#, bearer: token)
            #expect(try failed.json()["error"] != nil)
            let again = try await client.send(
                .post, Self.chat, json: #"{"conversation_id":"\#(id)","bot":"toolsy",\#(results)}"#, bearer: token)
            #expect(try again.json()["response"] as? String == "result: meow for call_42")
            let replayed = try await client.send(
                .post, Self.chat, json: #"{"message":"more","conversation_id":"\#(id)","bot":"probe"}"#, bearer: token)
            #expect(
                try replayed.json()["response"] as? String
                    == "user:cats|assistant:|tool:meow|assistant:result: meow for call_42|user:more")
        }
    }

    @Test func toolCallsStreamAsEvents() async throws {
        try await TestApp.run(["BOTS": "toolsy=toolsy"]) { client, _ in
            try await client.register(email: "tooles@example.com")
            let token = try await client.login(email: "tooles@example.com").access
            let response = try await client.send(
                .post, Self.chat + "/stream",
                json: #"{"message":"cats","bot":"toolsy","tools":[{"name":"lookup"}],"tool_choice":"required"}"#,
                bearer: token)
            let events = ChatTests.events(response.text)
            try #require(events.map(\.0) == ["start", "tool_call", "tool_call", "end"], "\(response.text)")
            #expect(events[1].1["id"] as? String == "call_42")
            #expect(events[1].1["name"] as? String == "lookup")
            #expect(events[1...2].map { $0.1["arguments"] as? String ?? "" }.joined() == #"{"q":"cats"}"#)
            #expect(events.last?.1["finish_reason"] as? String == "tool_calls")
        }
    }

    @Test func badToolFieldsAre422s() async throws {
        try await TestApp.run(["BOT_PROVIDER": "toolsy", "BOTS": "plain=echo"]) { client, _ in
            try await client.register(email: "toolbad@example.com")
            let token = try await client.login(email: "toolbad@example.com").access
            let first = try await client.send(
                .post, Self.chat, json: #"{"message":"cats","tools":[{"name":"lookup"}]}"#, bearer: token)
            let id = try #require(try first.json()["conversation_id"] as? String)
            let cases: [(String, String)] = [
                (#"{"message":"x","bot":"plain","tools":[{"name":"lookup"}]}"#, "tools"),
                (#"{"message":"x","tools":[{"name":"no spaces"}]}"#, "tools"),
                (#"{"message":"x","tools":"lookup"}"#, "tools"),
                (#"{"message":"x","tools":[{"name":"a","parameters":"x"}]}"#, "tools"),
                (#"{"message":"x","tool_choice":"required"}"#, "tool_choice"),
                (#"{"message":"x","tools":[{"name":"a"}],"tool_choice":{"name":"b"}}"#, "tool_choice"),
                (#"{"tool_results":[{"tool_call_id":"call_42","content":"x"}]}"#, "conversation_id"),
                (#"{"tool_results":[{"tool_call_id":"call_42"}],"conversation_id":"\#(id)"}"#, "tool_results"),
                (#"{"tool_results":[{"tool_call_id":"call_7","content":"x"}],"conversation_id":"\#(id)"}"#, "tool_results"),
                (
                    #"{"tool_results":[{"tool_call_id":"call_42","content":"x"},{"tool_call_id":"call_42","content":"y"}],"conversation_id":"\#(id)"}"#,
                    "tool_results"
                ),
                (#"{"conversation_id":"\#(id)"}"#, "message"),
            ]
            let none = try await client.send(
                .post, Self.chat, json: #"{"message":"x","bot":"plain","tool_choice":"none","tools":null}"#, bearer: token)
            #expect(none.status == .ok)
            for (json, field) in cases {
                let refused = try await client.send(.post, Self.chat, json: json, bearer: token)
                #expect(refused.status == .unprocessableContent, "\(json)")
                let detail = try refused.json()["detail"] as? [[String: Any]]
                #expect((detail?.first?["loc"] as? [String])?.last == field, "\(json): \(refused.text)")
            }
        }
    }

    /// A `/v1` call with `X-Conversation-Id` stores the results that follow the last
    /// assistant message, not the earlier user message again.
    @Test func completionToolResultsAreStoredOnce() async throws {
        try await TestApp.run(["BOTS": "toolsy=toolsy"]) { client, services in
            try await client.register(email: "v1tools@example.com")
            let token = try await client.login(email: "v1tools@example.com").access
            let conversation = UUID()
            let body = #"""
                {"model":"toolsy","messages":[{"role":"user","content":"cats"},
                 {"role":"assistant","content":null,"tool_calls":[{"id":"call_42","type":"function","function":{"name":"lookup","arguments":"{}"}}]},
                 {"role":"tool","tool_call_id":"call_42","content":"meow"}]}
                """#
            let sent = try await client.send(
                .post, "/v1/chat/completions", json: body, bearer: token,
                headers: [OpenAIController.conversationHeader: conversation.uuidString])
            #expect(sent.status == .ok)
            let rows = try await services.pool.query(
                "SELECT content, parts::text AS parts FROM messages WHERE conversation_id = \(conversation) AND role = 'user'")
            let row = try #require(rows.first)
            #expect(try row.decode("content", as: String.self) == "")
            #expect(try row.decode("parts", as: String.self).contains("meow"))
        }
    }

    @Test func theContextLeavesOutUnansweredCallsAndOrphanResults() {
        let call = ToolCall(id: "c1", name: "f", arguments: "{}")
        let history: [ChatMessage] = [
            ChatMessage(role: .tool, content: "orphan", toolCallID: "c0"),
            ChatMessage(role: .user, content: "q"),
            ChatMessage(role: .assistant, content: "", toolCalls: [call]),
            ChatMessage(role: .user, content: "never mind"),
            ChatMessage(role: .assistant, content: "ok", toolCalls: [ToolCall(id: "c2", name: "f", arguments: "{}")]),
            ChatMessage(role: .tool, content: "r2", toolCallID: "c2"),
        ]
        let kept = MessageParts.answerable(history)
        #expect(kept.map(\.content) == ["q", "never mind", "ok", "r2"])
        #expect(kept[2].toolCalls.map(\.id) == ["c2"])
        let parts = MessageParts.encode(
            [ChatMessage(role: .tool, content: "r", toolCallID: "c9")], maxImageBytes: 10)
        #expect(
            MessageParts.decode(parts, role: .user, content: "") == [ChatMessage(role: .tool, content: "r", toolCallID: "c9")])
        #expect(MessageParts.decode(parts, role: .user, content: "hi").count == 2)
    }
}
