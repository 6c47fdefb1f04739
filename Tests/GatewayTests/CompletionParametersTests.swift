import BotKit
import EchoBot
import Foundation
import HummingbirdTesting
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps

/// `/v1/chat/completions` drops nothing: unknown parameters, a second choice and input a
/// bot cannot serve (images, tools, JSON output) are 400s naming what was refused.
@Suite struct CompletionParametersTests {
    static let message = #""messages":[{"role":"user","content":"hi"}]"#

    @Test(arguments: [
        (#"{"model":"default",\#(message),"frequency_penalty":1}"#, "Unrecognized request argument supplied: frequency_penalty"),
        (#"{"model":"default",\#(message),"n":2}"#, "`n` must be 1"),
        (#"{"model":"default",\#(message),"top_p":1.5}"#, "`top_p`"),
        (#"{"model":"default",\#(message),"stop":["a","b","c","d","e"]}"#, "`stop`"),
        (#"{"model":"default",\#(message),"seed":"x"}"#, "`seed`"),
        (#"{"model":"default",\#(message),"response_format":{"type":"xml"}}"#, "`response_format`"),
        (
            #"{"model":"default","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{}}]}]}"#,
            "must be text or image_url"
        ),
        (
            #"{"model":"default","messages":[{"role":"user","content":[{"type":"text","text":"what is this?"},{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]}"#,
            "does not support images"
        ),
        (
            #"{"model":"default",\#(message),"tools":[{"type":"function","function":{"name":"f","parameters":{}}}]}"#,
            "does not support tools"
        ),
        (#"{"model":"default",\#(message),"tool_choice":"required"}"#, "`tool_choice` is required but `tools` is empty"),
        (
            #"{"model":"default",\#(message),"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"required"}"#,
            "does not support tools"
        ),
        (
            #"{"model":"default","messages":[{"role":"tool","tool_call_id":"c1","content":"42"}]}"#,
            "does not support tools"
        ),
        (
            #"{"model":"default",\#(message),"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{}}}}"#,
            "does not support structured_output"
        ),
    ])
    func refusedRequestsNameWhatWasRefused(body: String, expected: String) async throws {
        try await TestApp.run { client, _ in
            try await client.register(email: "params@example.com")
            let token = try await client.login(email: "params@example.com").access
            for stream in [false, true] {
                let sent = stream ? body.replacingOccurrences(of: #"{"model""#, with: #"{"stream":true,"model""#) : body
                let response = try await client.send(.post, "/v1/chat/completions", json: sent, bearer: token)
                #expect(response.status == .badRequest)
                let error = try #require(try response.json()["error"] as? [String: Any])
                let message = try #require(error["message"] as? String)
                #expect(message.contains(expected), "\(message)")
            }
        }
    }

    @Test func structuredOutputReachesABotThatTakesIt() async throws {
        try await TestApp.run(["BOTS": "form=form"]) { client, _ in
            try await client.register(email: "form@example.com")
            let token = try await client.login(email: "form@example.com").access
            let body = #"{"model":"form",\#(Self.message),"response_format":{"type":"json_object"}}"#
            let response = try await client.send(.post, "/v1/chat/completions", json: body, bearer: token)
            #expect(response.status == .ok)
            #expect(response.text.contains(#"{\"format\":\"json_object\"}"#))
            for bad in [
                #"{"type":"json_schema","json_schema":{"schema":{}}}"#,
                #"{"type":"json_schema","json_schema":{"name":"x","schema":[]}}"#,
                #"{"type":"json_schema","json_schema":{"name":"x","strict":"yes"}}"#, #"[]"#,
            ] {
                let refused = try await client.send(
                    .post, "/v1/chat/completions", json: #"{"model":"form",\#(Self.message),"response_format":\#(bad)}"#,
                    bearer: token)
                #expect(refused.status == .badRequest, "\(bad)")
            }
        }
    }

    @Test func extrasReachOnlyABotThatTakesThem() async throws {
        try await TestApp.run(["BOTS": "extra=extra"]) { client, _ in
            try await client.register(email: "extras@example.com")
            let token = try await client.login(email: "extras@example.com").access
            let passed = try await client.send(
                .post, "/v1/chat/completions", json: #"{"model":"extra",\#(Self.message),"top_k":40}"#, bearer: token)
            #expect(passed.status == .ok)
            #expect(passed.text.contains(#"{\"top_k\":40}"#))
            let anthropic = try await client.send(
                .post, "/v1/messages", json: #"{"model":"extra","max_tokens":8,\#(Self.message),"top_k":3}"#, bearer: token)
            #expect(anthropic.status == .ok)
            #expect(anthropic.text.contains(#"{\"top_k\":3}"#))
            for (model, member) in [("extra", "min_p"), ("default", "top_k")] {
                let refused = try await client.send(
                    .post, "/v1/chat/completions", json: #"{"model":"\#(model)",\#(Self.message),"\#(member)":1}"#, bearer: token)
                #expect(refused.status == .badRequest)
                #expect(refused.text.contains("Unrecognized request argument supplied: \(member)"))
            }
        }
    }

    @Test func acceptedParametersAnswer() async throws {
        try await TestApp.run { client, _ in
            try await client.register(email: "accepted@example.com")
            let token = try await client.login(email: "accepted@example.com").access
            let body = #"""
                {"model":"default",\#(Self.message),"n":1,"top_p":0.9,"stop":"END","seed":3,"user":"u-1","tools":[],
                 "tool_choice":"auto","parallel_tool_calls":false,"response_format":{"type":"text"},"metadata":{"a":"b"},
                 "store":false,"stream_options":null}
                """#
            let response = try await client.send(.post, "/v1/chat/completions", json: body, bearer: token)
            #expect(response.status == .ok)
        }
    }
}

/// Tools through `/v1/chat/completions`, checked against the OpenAPI document: a call in
/// the reply and in streamed chunks, and a round trip with its result.
@Suite struct ToolCallTests {
    static let tools = #""tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object"}}}]"#

    @Test func toolCallsComeBackWholeAndStreamed() async throws {
        try await TestApp.run(["BOTS": "toolsy=toolsy"]) { client, _ in
            try await client.register(email: "tools@example.com")
            let token = try await client.login(email: "tools@example.com").access
            let ask = #"{"model":"toolsy","messages":[{"role":"user","content":"cats"}],\#(Self.tools)}"#
            let whole = try await client.send(.post, "/v1/chat/completions", json: ask, bearer: token)
            #expect(whole.status == .ok)
            let choice = try #require((try whole.json()["choices"] as? [[String: Any]])?.first)
            #expect(choice["finish_reason"] as? String == "tool_calls")
            let message = try #require(choice["message"] as? [String: Any])
            #expect(message["content"] is NSNull)
            let call = try #require((message["tool_calls"] as? [[String: Any]])?.first)
            #expect(call["id"] as? String == "call_42")
            #expect((call["function"] as? [String: Any])?["arguments"] as? String == #"{"q":"cats"}"#)

            let streamed = try await client.send(
                .post, "/v1/chat/completions", json: ask.replacingOccurrences(of: #"{"model""#, with: #"{"stream":true,"model""#),
                bearer: token)
            #expect(streamed.status == .ok)
            #expect(
                streamed.text.contains(
                    #""tool_calls":[{"function":{"arguments":"{\"q","name":"lookup"},"id":"call_42","index":0,"type":"function"}]"#
                ))
            #expect(streamed.text.contains(#""finish_reason":"tool_calls""#))

            let answer = #"""
                {"model":"toolsy",\#(Self.tools),"messages":[{"role":"user","content":"cats"},
                 {"role":"assistant","content":null,"tool_calls":[{"id":"call_42","type":"function","function":{"name":"lookup","arguments":"{}"}}]},
                 {"role":"tool","tool_call_id":"call_42","content":"3 cats"}]}
                """#
            let result = try await client.send(.post, "/v1/chat/completions", json: answer, bearer: token)
            #expect(result.status == .ok)
            #expect(result.text.contains("result: 3 cats for call_42"))
            for bad in [
                #"{"model":"toolsy","messages":[{"role":"tool","content":"x"}],\#(Self.tools)}"#,
                #"{"model":"toolsy","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"bad name"}}]}"#,
                #"{"model":"toolsy","messages":[{"role":"user","content":"x"}],\#(Self.tools),"tool_choice":{"type":"function","function":{"name":"other"}}}"#,
                #"{"model":"toolsy","messages":[{"role":"user","content":"x"}],"tool_choice":"required"}"#,
                #"{"model":"toolsy","messages":[{"role":"user","content":"x","tool_calls":[{"id":"c","function":{"name":"f","arguments":"{}"}}]}]}"#,
            ] {
                #expect(
                    try await client.send(.post, "/v1/chat/completions", json: bad, bearer: token).status == .badRequest, "\(bad)"
                )
            }
        }
    }
}

/// A turn's needs, which decide whether the fallback may answer it.
@Suite struct TurnNeedsTests {
    @Test func needsFollowTheInput() throws {
        let entry = BotDirectory.Entry(name: "x", kind: "echo", timeout: .seconds(1), provider: EchoBot())
        func turn(_ messages: [ChatMessage], _ options: GenerationOptions = .init()) -> ChatService.PreparedTurn {
            ChatService.PreparedTurn(
                conversationID: UUID(), isNew: true, bot: entry, messages: messages, userID: 1, userMessage: "", options: options)
        }
        #expect(turn([ChatMessage(role: .user, content: "hi")]).needs == [])
        #expect(turn([ChatMessage(role: .user, content: "", images: [.url("https://x/y.png")])]).needs == .images)
        #expect(turn([ChatMessage(role: .tool, content: "r", toolCallID: "c")]).needs == .tools)
        var options = GenerationOptions()
        options.responseFormat = .jsonObject
        options.toolChoice = .named("f")
        #expect(turn([ChatMessage(role: .user, content: "")], options).needs == [.structuredOutput, .tools])
    }
}

/// `POST /v1/embeddings`, checked against the OpenAPI document.
@Suite struct EmbeddingsRouteTests {
    @Test func vectorsInFloatsOrBase64AndBadInputRefused() async throws {
        try await TestApp.run(["BOTS": "chat=probe"]) { client, services in
            try await client.register(email: "embed@example.com")
            let token = try await client.login(email: "embed@example.com").access
            let floats = try await client.send(
                .post, "/v1/embeddings", json: #"{"model":"default","input":["a b","c"],"dimensions":8}"#, bearer: token)
            #expect(floats.status == .ok)
            let data = try #require(try floats.json()["data"] as? [[String: Any]])
            #expect(data.count == 2)
            #expect((data[0]["embedding"] as? [Double])?.count == 8)
            let encoded = try await client.send(
                .post, "/v1/embeddings", json: #"{"model":"default","input":"a b","encoding_format":"base64"}"#, bearer: token)
            let text = try #require((try encoded.json()["data"] as? [[String: Any]])?.first?["embedding"] as? String)
            #expect(Data(base64Encoded: text)?.count == 16 * 4)
            for bad in [
                #"{"model":"default","input":[]}"#, #"{"model":"default","input":[""]}"#, #"{"model":"default","input":[1]}"#,
                #"{"model":"default","input":"x","dimensions":0}"#, #"{"model":"default","input":"x","encoding_format":"hex"}"#,
                #"{"model":"default","input":"x","extra":1}"#, #"{"model":"chat","input":"x"}"#,
            ] {
                #expect(try await client.send(.post, "/v1/embeddings", json: bad, bearer: token).status == .badRequest, "\(bad)")
            }
            #expect(
                try await client.send(.post, "/v1/embeddings", json: #"{"model":"nope","input":"x"}"#, bearer: token).status
                    == .notFound)
            // Their tokens are the user's usage, in the next batch.
            await services.usageBatcher.flush()
            let usage = try await client.send(.get, "/api/v1/users/me/usage", bearer: token).json()
            #expect((usage["days"] as? [[String: Any]])?.first?["input_tokens"] as? Int == 5)
        }
    }
}
