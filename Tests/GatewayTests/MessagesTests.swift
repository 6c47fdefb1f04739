import BotKit
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import Postgres

/// `POST /v1/messages` (Anthropic's Messages API) through the conforming client: every
/// response, and every streamed event, is checked against the OpenAPI document.
@Suite struct MessagesTests {
    static let apiKey = HTTPField.Name("x-api-key")!

    @Test func messagesAnswerStreamAndFailInAnthropicsShape() async throws {
        try await TestApp.run { client, _ in
            try await client.register(email: "messages@example.com")
            let token = try await client.login(email: "messages@example.com").access
            let key = try #require(try await OpenAICompatibilityTests.key(client, token: token)["key"] as? String)
            let body =
                #"{"model":"default","max_tokens":32,"system":[{"type":"text","text":"Be brief."}],"messages":[{"role":"user","content":"hi there"}]}"#
            let message = try await client.send(.post, "/v1/messages", json: body, headers: [Self.apiKey: key])
            #expect(message.status == .ok)
            let content = try #require(try message.json()["content"] as? [[String: Any]])
            #expect(content.first?["text"] as? String == "hi there")

            let streamed = try await client.send(
                .post, "/v1/messages",
                json: body.replacingOccurrences(of: #""max_tokens""#, with: #""stream":true,"max_tokens""#),
                bearer: token)
            #expect(streamed.status == .ok)
            let events = streamed.text.components(separatedBy: "\n").filter { $0.hasPrefix("event: ") }
            #expect(
                events == [
                    "event: message_start", "event: content_block_start", "event: content_block_delta",
                    "event: content_block_delta", "event: content_block_stop", "event: message_delta", "event: message_stop",
                ])

            // Errors in Anthropic's shape, with the statuses its SDK keys on.
            for (json, status, type) in [
                (
                    #"{"model":"default","max_tokens":8,"messages":[{"role":"user","content":"x"}],"top_k":5}"#, 400,
                    "invalid_request_error"
                ),
                (#"{"model":"default","messages":[{"role":"user","content":"x"}]}"#, 400, "invalid_request_error"),
                (#"{"model":"nope","max_tokens":8,"messages":[{"role":"user","content":"x"}]}"#, 404, "not_found_error"),
                (
                    #"{"model":"default","max_tokens":8,"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"4"}]}]}"#,
                    400, "invalid_request_error"
                ),
            ] {
                let response = try await client.send(.post, "/v1/messages", json: json, headers: [Self.apiKey: key])
                #expect(response.status.code == status, "\(json)")
                let error = try #require(try response.json()["error"] as? [String: Any])
                #expect(error["type"] as? String == type)
            }
            let unauthenticated = try await client.send(.post, "/v1/messages", json: body)
            #expect(unauthenticated.status == .unauthorized)
            #expect((try unauthenticated.json()["error"] as? [String: Any])?["type"] as? String == "authentication_error")
        }
    }

    /// A request with both credential headers needs both valid, and the same user's.
    @Test func twoCredentialsMustAgree() async throws {
        try await TestApp.run { client, _ in
            try await client.register(email: "one@example.com")
            let one = try await client.login(email: "one@example.com").access
            let oneKey = try #require(try await OpenAICompatibilityTests.key(client, token: one)["key"] as? String)
            try await client.register(email: "two@example.com")
            let two = try await client.login(email: "two@example.com").access
            let body = #"{"model":"default","max_tokens":8,"messages":[{"role":"user","content":"x"}]}"#
            #expect(
                try await client.send(.post, "/v1/messages", json: body, bearer: one, headers: [Self.apiKey: oneKey]).status
                    == .ok)
            #expect(
                try await client.send(.post, "/v1/messages", json: body, bearer: two, headers: [Self.apiKey: oneKey]).status
                    == .unauthorized)
            #expect(
                try await client.send(.post, "/v1/messages", json: body, bearer: one, headers: [Self.apiKey: "gwk_bad"]).status
                    == .unauthorized)
            // x-api-key counts only on /v1/messages.
            #expect(try await client.send(.get, "/v1/models", headers: [Self.apiKey: oneKey]).status == .unauthorized)
        }
    }
}

/// Images reach a bot that declares them, from both APIs; a bot without them is a 400.
@Suite struct ImageIngressTests {
    @Test func imagesReachABotThatTakesThem() async throws {
        try await TestApp.run(["BOTS": "eyes=eyes"]) { client, _ in
            try await client.register(email: "eyes@example.com")
            let token = try await client.login(email: "eyes@example.com").access
            let openai =
                #"{"model":"eyes","messages":[{"role":"user","content":[{"type":"text","text":"?"},{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]}"#
            let answered = try await client.send(.post, "/v1/chat/completions", json: openai, bearer: token)
            #expect(answered.status == .ok)
            #expect(answered.text.contains("1 image(s): https://example.com/a.png"))
            let anthropic =
                #"{"model":"eyes","max_tokens":8,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"url","url":"https://example.com/b.png"}},{"type":"image","source":{"type":"base64","media_type":"image/gif","data":"R0lG"}}]}]}"#
            let seen = try await client.send(.post, "/v1/messages", json: anthropic, bearer: token)
            #expect(seen.status == .ok)
            #expect(seen.text.contains("2 image(s): https://example.com/b.png data:image/gif;base64,R0lG"))
            for bad in [
                #"{"model":"eyes","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"file:///etc/passwd"}}]}]}"#,
                #"{"model":"eyes","messages":[{"role":"user","content":[{"type":"image_url","image_url":"x"}]}]}"#,
            ] {
                #expect(try await client.send(.post, "/v1/chat/completions", json: bad, bearer: token).status == .badRequest)
            }
            let badSource =
                #"{"model":"eyes","max_tokens":8,"messages":[{"role":"user","content":[{"type":"image","source":{"type":"base64","media_type":"text/plain","data":"x"}}]}]}"#
            #expect(try await client.send(.post, "/v1/messages", json: badSource, bearer: token).status == .badRequest)
        }
    }
}

/// Tools on `POST /v1/messages`, every event checked against the OpenAPI document.
@Suite struct MessagesToolTests {
    @Test func toolUseComesBackAsBlocksAndResultsGoToTheBot() async throws {
        try await TestApp.run(["BOTS": "toolsy=toolsy"]) { client, _ in
            try await client.register(email: "msgtools@example.com")
            let token = try await client.login(email: "msgtools@example.com").access
            let tools = #""tools":[{"name":"lookup","input_schema":{"type":"object"}}]"#
            let ask = #"{"model":"toolsy","max_tokens":32,"stream":true,\#(tools),"messages":[{"role":"user","content":"cats"}]}"#
            let streamed = try await client.send(.post, "/v1/messages", json: ask, bearer: token)
            #expect(streamed.status == .ok)
            let events = streamed.text.components(separatedBy: "\n").filter { $0.hasPrefix("event: ") }
            #expect(
                events == [
                    "event: message_start", "event: content_block_start", "event: content_block_delta",
                    "event: content_block_delta", "event: content_block_stop", "event: message_delta", "event: message_stop",
                ])
            #expect(streamed.text.contains(#""content_block":{"id":"call_42","input":{},"name":"lookup","type":"tool_use"}"#))
            #expect(streamed.text.contains(#""stop_reason":"tool_use""#))
            let result = #"""
                {"model":"toolsy","max_tokens":32,\#(tools),"messages":[{"role":"user","content":"cats"},
                 {"role":"assistant","content":[{"type":"tool_use","id":"call_42","name":"lookup","input":{"q":"cats"}}]},
                 {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_42","content":[{"type":"text","text":"3 cats"}]}]}]}
                """#
            let answered = try await client.send(.post, "/v1/messages", json: result, bearer: token)
            #expect(answered.status == .ok)
            #expect(answered.text.contains("result: 3 cats for call_42"))
            for bad in [
                #"{"model":"toolsy","max_tokens":8,"tools":[{"type":"web_search_20250305","name":"web"}],"messages":[{"role":"user","content":"x"}]}"#,
                #"{"model":"toolsy","max_tokens":8,\#(tools),"tool_choice":{"type":"tool","name":"other"},"messages":[{"role":"user","content":"x"}]}"#,
                #"{"model":"toolsy","max_tokens":8,"messages":[{"role":"user","content":[{"type":"tool_result","content":"x"}]}]}"#,
            ] {
                #expect(try await client.send(.post, "/v1/messages", json: bad, bearer: token).status == .badRequest, "\(bad)")
            }
        }
    }
}

/// Usage details in each API's terms.
@Suite struct UsageDetailRenderingTests {
    @Test func cachedAndReasoningTokensAreShownInEachShape() throws {
        let usage = TokenUsage(inputTokens: 100, outputTokens: 50, cachedInputTokens: 80, reasoningTokens: 30)
        #expect(
            (try JSONValueEncoder.encode(CompletionUsage(usage)))
                == [
                    "prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150,
                    "prompt_tokens_details": ["cached_tokens": 80],
                    "completion_tokens_details": ["reasoning_tokens": 30],
                ])
        #expect(
            try JSONValueEncoder.encode(AnthropicMessage.Usage(usage)) == [
                "input_tokens": 20, "output_tokens": 50, "cache_read_input_tokens": 80,
            ])
        #expect(
            (try JSONValueEncoder.encode(CompletionUsage(TokenUsage(inputTokens: 1, outputTokens: 2)))) == [
                "prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3,
            ])
    }
}

/// A stored turn keeps its images and tool calls, and its conversation's context replays
/// them to the next turn.
@Suite struct StoredPartsTests {
    @Test func imagesAndToolCallsAreStoredAndReplayed() async throws {
        try await TestApp.run(["BOTS": "eyes=eyes,toolsy=toolsy", "CONVERSATION_IMAGE_MAX_BYTES": "8"]) { client, services in
            try await client.register(email: "parts@example.com")
            let token = try await client.login(email: "parts@example.com").access
            let conversation = UUID().uuidString.lowercased()
            let headers: HTTPFields = [OpenAIController.conversationHeader: conversation]
            let image = #"""
                {"model":"eyes","messages":[{"role":"user","content":[{"type":"text","text":"look"},
                 {"type":"image_url","image_url":{"url":"https://example.com/a.png"}},
                 {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgoAAAA"}}]}]}
                """#
            let seen = try await client.send(.post, "/v1/chat/completions", json: image, bearer: token, headers: headers)
            #expect(seen.status == .ok)
            // The next turn of the conversation (through the chat API) carries the stored image.
            let next = try await client.send(
                .post, "/api/v1/chat", json: #"{"message":"and now?","conversation_id":"\#(conversation)","bot":"eyes"}"#,
                bearer: token)
            #expect(try next.json()["response"] as? String == "1 image(s): https://example.com/a.png")
            let tools =
                #"{"model":"toolsy","messages":[{"role":"user","content":"cats"}],"tools":[{"type":"function","function":{"name":"lookup"}}]}"#
            #expect(
                try await client.send(.post, "/v1/chat/completions", json: tools, bearer: token, headers: headers).status == .ok)
            let rows = try await services.pool.query(
                "SELECT role, parts::text AS parts FROM messages WHERE parts IS NOT NULL ORDER BY seq")
            let parts = try rows.rows.map { try $0.decode("parts", as: String.self).replacingOccurrences(of: " ", with: "") }
            #expect(parts.count == 2)
            #expect(parts.first?.contains(#""images":["https://example.com/a.png"]"#) == true)
            #expect(parts.first?.contains(#""images_omitted":1"#) == true)
            for piece in [#""tool_calls":[{"#, #""id":"call_42""#, #""name":"lookup""#, #""arguments":"{\"q\":\"cats\"}""#] {
                #expect(parts.last?.contains(piece) == true, "\(parts.last ?? "")")
            }
        }
    }
}

/// `images` on the chat API: to a bot that takes them, stored with the turn; a 422 for
/// one that does not, or for anything that is not an https or base64 image URL.
@Suite struct ChatImagesTests {
    @Test func chatImagesReachABotThatTakesThem() async throws {
        try await TestApp.run(["BOTS": "eyes=eyes"]) { client, _ in
            try await client.register(email: "chatimg@example.com")
            let token = try await client.login(email: "chatimg@example.com").access
            let sent = try await client.send(
                .post, "/api/v1/chat", json: #"{"message":"look","bot":"eyes","images":["https://example.com/c.png"]}"#,
                bearer: token)
            let body = try sent.json()
            #expect(body["response"] as? String == "1 image(s): https://example.com/c.png")
            let id = try #require(body["conversation_id"] as? String)
            let again = try await client.send(
                .post, "/api/v1/chat", json: #"{"message":"again","bot":"eyes","conversation_id":"\#(id)"}"#, bearer: token)
            #expect(try again.json()["response"] as? String == "1 image(s): https://example.com/c.png")
            for bad in [
                #"{"message":"x","images":["https://example.com/c.png"]}"#, #"{"message":"x","bot":"eyes","images":"x"}"#,
                #"{"message":"x","bot":"eyes","images":["http://10.0.0.1/a.png"]}"#,
            ] {
                let refused = try await client.send(.post, "/api/v1/chat", json: bad, bearer: token)
                #expect(refused.status == .unprocessableContent, "\(bad)")
            }
        }
    }
}
