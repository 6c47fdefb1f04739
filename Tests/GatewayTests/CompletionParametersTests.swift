import Foundation
import HummingbirdTesting
import Testing

@testable import Gateway

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
        (#"{"model":"default",\#(message),"tool_choice":"required"}"#, "does not support tools"),
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
