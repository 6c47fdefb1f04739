import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Gateway

/// OpenAI's Responses API on `/v1/responses`: the official SDK end to end, and what the
/// SDK does not show — storage as conversations, owners only, refusals naming the member,
/// a failure after output as `response.failed`.
@Suite struct ResponsesTests {
    @Test func theOfficialOpenAIClientSpeaksTheResponsesAPI() async throws {
        let python = ProcessInfo.processInfo.environment["TEST_PYTHON"] ?? "python3"
        try await TestApp.run(["BOTS": "form=form,toolsy=toolsy"]) { client, _ in
            try await client.register(email: "responses@example.com")
            let token = try await client.login(email: "responses@example.com").access
            let secret = try #require(try await OpenAICompatibilityTests.key(client, token: token)["key"] as? String)
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "Support/responses_client.py"
            ).path
            let port = try #require(client.port)
            let status = try await Subprocess.run(
                ["/usr/bin/env", python, script, "http://localhost:\(port)/v1", secret], quiet: false)
            #expect(status == 0)
        }
    }

    @Test func aStoredResponseIsAConversationItsOwnerAloneReaches() async throws {
        try await TestApp.run { client, _ in
            try await client.register(email: "ann@example.com")
            try await client.register(email: "bob@example.com")
            let ann = try await client.login(email: "ann@example.com").access
            let bob = try await client.login(email: "bob@example.com").access
            func conversations(_ token: String) async throws -> Int? {
                (try await client.send(.get, "/api/v1/conversations", bearer: token).json()["items"] as? [Any])?.count
            }
            // Not stored: usage only.
            let unstored = try await client.send(
                .post, "/v1/responses", json: #"{"model":"default","input":"quiet","store":false}"#, bearer: ann)
            #expect(unstored.status == .ok)
            #expect(try await conversations(ann) == 0)
            let first = try await client.send(.post, "/v1/responses", json: #"{"model":"default","input":"hello"}"#, bearer: ann)
            let id = try #require(try first.json()["id"] as? String)
            #expect(try await conversations(ann) == 1)
            let next = try await client.send(
                .post, "/v1/responses", json: #"{"model":"default","input":"again","previous_response_id":"\#(id)"}"#,
                bearer: ann)
            #expect(next.status == .ok)
            #expect(try await conversations(ann) == 1)
            let listed = try await client.send(.get, "/api/v1/conversations", bearer: ann).json()
            let conversation = try #require((listed["items"] as? [[String: Any]])?.first?["id"] as? String)
            let detail = try await client.send(.get, "/api/v1/conversations/\(conversation)", bearer: ann).json()
            #expect(
                (detail["messages"] as? [[String: Any]])?.compactMap { $0["content"] as? String } == [
                    "hello", "hello", "again", "again",
                ])
            // Only the latest response continues its chain.
            let fork = try await client.send(
                .post, "/v1/responses", json: #"{"model":"default","input":"x","previous_response_id":"\#(id)"}"#,
                bearer: ann)
            #expect(fork.status == .badRequest)
            #expect((try fork.json()["error"] as? [String: Any])?["param"] as? String == "previous_response_id")
            // Another user's response is not there for them, however they ask.
            for (method, path) in [(HTTPRequest.Method.get, id), (.get, id + "/input_items"), (.delete, id)] {
                let response = try await client.send(method, "/v1/responses/\(path)", bearer: bob)
                #expect(response.status == .notFound)
            }
            let theirs = try await client.send(
                .post, "/v1/responses", json: #"{"model":"default","input":"x","previous_response_id":"\#(id)"}"#,
                bearer: bob)
            #expect(theirs.status == .notFound)
            #expect(try await conversations(bob) == 0)
            for bad in ["resp_nothex", "resp_" + String(repeating: "0", count: 32), "nope"] {
                #expect(try await client.send(.get, "/v1/responses/\(bad)", bearer: ann).status == .notFound)
            }
            // Deleting both turns of the conversation deletes it.
            let nextID = try #require(try next.json()["id"] as? String)
            #expect(try await client.send(.delete, "/v1/responses/\(nextID)", bearer: ann).status == .ok)
            #expect(try await conversations(ann) == 1)
            #expect(try await client.send(.delete, "/v1/responses/\(id)", bearer: ann).status == .ok)
            #expect(try await conversations(ann) == 0)
            #expect(try await client.send(.delete, "/v1/responses/\(id)", bearer: ann).status == .notFound)
        }
    }

    @Test(arguments: [
        (#"{"model":"default","input":"x","reasoning":{"effort":"low"}}"#, "reasoning"),
        (#"{"model":"default","input":"x","include":["message.output_text.logprobs"]}"#, "include"),
        (#"{"model":"default","input":[]}"#, "input"),
        (#"{"model":"default","input":[{"type":"item_reference","id":"x"}]}"#, "input[0].type"),
        (
            #"{"model":"default","input":[{"role":"user","content":[{"type":"input_file","file_id":"f"}]}]}"#,
            "input[0].content[0].type"
        ),
        (#"{"model":"default","input":"x","tools":[{"type":"web_search"}]}"#, "tools[0].type"),
        (#"{"model":"default","input":"x","tool_choice":{"type":"function","name":"ghost"}}"#, "tool_choice.name"),
        (#"{"model":"default","input":"x","text":{"format":{"type":"yaml"}}}"#, "text.format.type"),
        (#"{"model":"default","input":"x","text":{"verbosity":"low"}}"#, "text.verbosity"),
        (#"{"model":"default","input":"x","max_output_tokens":0}"#, "max_output_tokens"),
        (#"{"model":"default","input":"x","metadata":{"k":1}}"#, "metadata"),
        (#"{"model":"default","input":"x","previous_response_id":7}"#, "previous_response_id"),
        (#"{"model":"","input":"x"}"#, "model"),
    ])
    func aRequestTheGatewayCannotServeIsRefusedNamingTheMember(body: String, param: String) async throws {
        try await TestApp.run { client, _ in
            try await client.register(email: "picky@example.com")
            let token = try await client.login(email: "picky@example.com").access
            let response = try await client.send(.post, "/v1/responses", json: body, bearer: token)
            #expect(response.status == .badRequest)
            let error = try #require(try response.json()["error"] as? [String: Any])
            #expect(error["param"] as? String == param)
            #expect(error["type"] as? String == "invalid_request_error")
        }
    }

    @Test func aResponseThatFailsBeforeAnyOutputLeavesTheChainAsItWas() async throws {
        try await TestApp.run(["BOTS": "failing=failing", "BOT_FAILING_ERROR": "unavailable"]) { client, _ in
            try await client.register(email: "retry@example.com")
            let token = try await client.login(email: "retry@example.com").access
            let first = try await client.send(.post, "/v1/responses", json: #"{"model":"default","input":"a"}"#, bearer: token)
            let id = try #require(try first.json()["id"] as? String)
            let failed = try await client.send(
                .post, "/v1/responses", json: #"{"model":"failing","input":"b","previous_response_id":"\#(id)"}"#,
                bearer: token)
            #expect(failed.status == .serviceUnavailable)
            // The retry continues the same response: the failure stored nothing.
            let retried = try await client.send(
                .post, "/v1/responses", json: #"{"model":"default","input":"b","previous_response_id":"\#(id)"}"#,
                bearer: token)
            #expect(retried.status == .ok)
            let listed = try await client.send(.get, "/api/v1/conversations", bearer: token).json()
            let conversation = try #require((listed["items"] as? [[String: Any]])?.first?["id"] as? String)
            let detail = try await client.send(.get, "/api/v1/conversations/\(conversation)", bearer: token).json()
            #expect((detail["messages"] as? [[String: Any]])?.count == 4)
        }
    }

    @Test func aFailureAfterOutputEndsTheStreamWithResponseFailed() async throws {
        try await TestApp.run(["BOTS": "midfail=midfail"]) { client, _ in
            try await client.register(email: "mid@example.com")
            let token = try await client.login(email: "mid@example.com").access
            let streamed = try await client.send(
                .post, "/v1/responses", json: #"{"model":"midfail","input":"x","stream":true}"#, bearer: token)
            #expect(streamed.status == .ok)
            let types = streamed.text.split(separator: "\n").filter { $0.hasPrefix("event: ") }.map { $0.dropFirst(7) }
            #expect(types.first == "response.created")
            #expect(types.contains("response.output_text.delta"))
            #expect(types.last == "response.failed")
            #expect(streamed.text.contains(#""status":"failed""#))
            let whole = try await client.send(
                .post, "/v1/responses", json: #"{"model":"midfail","input":"x"}"#, bearer: token)
            #expect(whole.status == .ok)
            #expect(try whole.json()["status"] as? String == "failed")
        }
    }
}
