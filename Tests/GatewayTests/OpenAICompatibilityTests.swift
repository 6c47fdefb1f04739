import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import Postgres

@Suite struct OpenAICompatibilityTests {
    static func key(_ client: any TestClientProtocol, token: String, name: String = "laptop", scope: String? = nil) async throws
        -> [String: Any]
    {
        let fields = scope.map { #","scope":"\#($0)""# } ?? ""
        let response = try await client.send(
            .post, "/api/v1/users/me/api-keys", json: #"{"name":"\#(name)"\#(fields)}"#, bearer: token)
        #expect(response.status == .created)
        return try response.json()
    }

    @Test func apiKeysAreCreatedOnceListedUsedAndRevoked() async throws {
        try await TestApp.run { client, services in
            try await client.register(email: "keys@example.com")
            let token = try await client.login(email: "keys@example.com").access
            let created = try await Self.key(client, token: token, scope: "full")
            #expect(created["scope"] as? String == "full")
            let secret = try #require(created["key"] as? String)
            #expect(secret.hasPrefix("gwk_"))
            #expect(secret.hasPrefix(try #require(created["prefix"] as? String)))
            let me = try await client.send(.get, "/api/v1/users/me", bearer: secret)
            #expect(me.status == .ok)
            #expect(try me.json()["email"] as? String == "keys@example.com")
            // Keys expire by default (API_KEY_DEFAULT_DAYS, 90) and cannot mint keys.
            let expires = try #require(created["expires_at"] as? String)
            #expect(
                expires.hasPrefix(String(ISO8601DateFormatter().string(from: Date().addingTimeInterval(90 * 86400)).prefix(10))))
            let minted = try await client.send(.post, "/api/v1/users/me/api-keys", json: #"{"name":"child"}"#, bearer: secret)
            #expect(minted.status == .forbidden)
            // last_used_at is written off the request path, in batches.
            _ = try await client.send(.get, "/api/v1/users/me", bearer: secret)
            await services.keyUses.flush()
            let listed = try await client.send(.get, "/api/v1/users/me/api-keys", bearer: token)
            #expect(listed.text.contains(secret) == false)
            let keys = try #require(try JSONSerialization.jsonObject(with: Data(buffer: listed.body)) as? [[String: Any]])
            #expect(keys.count == 1)
            #expect(keys.first?["last_used_at"] is String)
            #expect(keys.first?["scope"] as? String == "full")
            // Only the hash is stored.
            let stored = try await services.pool.query("SELECT key_hash FROM api_keys").first?.decode("key_hash", as: String.self)
            #expect(stored == APIKeySecret.hash(secret))
            // logout-all ends sessions, not keys.
            _ = try await client.send(.post, "/api/v1/users/logout-all", bearer: token)
            #expect((try await client.send(.get, "/api/v1/users/me", bearer: secret)).status == .ok)
            let id = try #require(created["id"] as? String)
            #expect((try await client.send(.delete, "/api/v1/users/me/api-keys/\(id)", bearer: token)).status == .noContent)
            #expect((try await client.send(.delete, "/api/v1/users/me/api-keys/\(id)", bearer: token)).status == .notFound)
            #expect((try await client.send(.get, "/api/v1/users/me", bearer: secret)).status == .unauthorized)
            #expect((try await client.send(.get, "/api/v1/users/me", bearer: "gwk_unknown")).status == .unauthorized)
            let bad = try await client.send(.post, "/api/v1/users/me/api-keys", json: #"{"name":"  "}"#, bearer: token)
            #expect(bad.status == .unprocessableContent)
            let expiring = try await client.send(
                .post, "/api/v1/users/me/api-keys", json: #"{"name":"ci","expires_in_days":0}"#, bearer: token)
            #expect(expiring.status == .unprocessableContent)
        }
    }

    /// A key is `inference` unless made `full`: it calls the models, and nothing that
    /// manages the account (sessions, keys, conversations, usage, logout).
    @Test func anInferenceKeyCallsTheModelsOnly() async throws {
        try await TestApp.run { client, _ in
            try await client.register(email: "scoped@example.com")
            let token = try await client.login(email: "scoped@example.com").access
            let created = try await Self.key(client, token: token)
            #expect(created["scope"] as? String == "inference")
            let secret = try #require(created["key"] as? String)
            #expect(try await client.send(.get, "/v1/models", bearer: secret).status == .ok)
            let body = #"{"model":"default","messages":[{"role":"user","content":"hi"}]}"#
            #expect(try await client.send(.post, "/v1/chat/completions", json: body, bearer: secret).status == .ok)
            #expect(try await client.send(.post, "/api/v1/chat", json: #"{"message":"hi"}"#, bearer: secret).status == .ok)
            #expect(try await client.send(.get, "/api/v1/bots", bearer: secret).status == .ok)
            for (method, path) in [
                (HTTPRequest.Method.get, "/api/v1/users/me"), (.get, "/api/v1/users/me/sessions"),
                (.get, "/api/v1/users/me/api-keys"), (.delete, "/api/v1/users/me/api-keys/\(created["id"] as? String ?? "")"),
                (.get, "/api/v1/conversations"), (.get, "/api/v1/users/me/usage"), (.post, "/api/v1/users/logout-all"),
            ] {
                let refused = try await client.send(method, path, bearer: secret)
                #expect(refused.status == .forbidden, "\(path)")
                #expect(try refused.json()["code"] as? String == "forbidden")
            }
            let wrong = try await client.send(
                .post, "/api/v1/users/me/api-keys", json: #"{"name":"x","scope":"root"}"#, bearer: token)
            #expect(wrong.status == .unprocessableContent)
        }
    }

    @Test func chatCompletionsSpeakOpenAI() async throws {
        try await TestApp.run(["BOTS": "probe=probe"]) { client, _ in
            try await client.register(email: "oai@example.com")
            let token = try await client.login(email: "oai@example.com").access
            let secret = try #require(try await Self.key(client, token: token)["key"] as? String)
            let models = try await client.send(.get, "/v1/models", bearer: secret).json()
            #expect((models["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["default", "probe"])

            let body =
                #"{"model":"probe","messages":[{"role":"system","content":"s"},{"role":"user","content":"hi"}],"max_tokens":5}"#
            let completion = try await client.send(.post, "/v1/chat/completions", json: body, bearer: secret).json()
            #expect(completion["object"] as? String == "chat.completion")
            let choice = (completion["choices"] as? [[String: Any]])?.first
            #expect((choice?["message"] as? [String: Any])?["content"] as? String == "system:s|user:hi")
            #expect((completion["usage"] as? [String: Any])?["total_tokens"] as? Int == 8)

            let streamed = try await client.send(
                .post, "/v1/chat/completions",
                json:
                    #"{"model":"default","messages":[{"role":"user","content":"one two"}],"stream":true,"stream_options":{"include_usage":true}}"#,
                bearer: secret)
            let lines = streamed.text.split(separator: "\n").filter { $0.hasPrefix("data: ") }
            #expect(lines.last == "data: [DONE]")
            #expect(streamed.text.contains(#""object":"chat.completion.chunk""#))
            #expect(streamed.text.contains(#""usage":{"#))

            let unknown = try await client.send(
                .post, "/v1/chat/completions", json: #"{"model":"nope","messages":[{"role":"user","content":"x"}]}"#,
                bearer: secret)
            #expect(unknown.status == .notFound)
            #expect((try unknown.json()["error"] as? [String: Any])?["code"] as? String == "model_not_found")
            let invalid = try await client.send(
                .post, "/v1/chat/completions", json: #"{"model":"default","messages":[]}"#, bearer: secret)
            #expect(invalid.status == .badRequest)
            let anonymous = try await client.send(.get, "/v1/models")
            #expect(anonymous.status == .unauthorized)
            #expect((try anonymous.json()["error"] as? [String: Any])?["code"] as? String == "invalid_api_key")
            // Nothing stored without X-Conversation-Id; stored with it.
            #expect((try await client.send(.get, "/api/v1/conversations", bearer: token).json()["items"] as? [Any])?.count == 0)
            let conversation = UUID().uuidString.lowercased()
            _ = try await client.send(
                .post, "/v1/chat/completions", json: #"{"model":"default","messages":[{"role":"user","content":"keep"}]}"#,
                bearer: secret, headers: [HTTPField.Name("X-Conversation-Id")!: conversation])
            let kept = try await client.send(.get, "/api/v1/conversations/\(conversation)", bearer: token).json()
            #expect((kept["messages"] as? [[String: Any]])?.count == 2)
        }
    }

    @Test func aFailingBotIsAnHTTPErrorOnV1() async throws {
        try await TestApp.run(["BOT_PROVIDER": "failing", "BOT_FAILING_ERROR": "rate"]) { client, _ in
            try await client.register(email: "fail@example.com")
            let token = try await client.login(email: "fail@example.com").access
            for stream in [false, true] {
                let response = try await client.send(
                    .post, "/v1/chat/completions",
                    json: #"{"model":"default","stream":\#(stream),"messages":[{"role":"user","content":"x"}]}"#, bearer: token)
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] == "7")
            }
        }
    }

    @Test func usageIsRecordedAndQuotasAnswer429() async throws {
        // The per-minute window runs on the gateway's clock: 42 s into a fixed minute.
        let clock: @Sendable () -> Date = { Date(timeIntervalSince1970: Double(30_000_000 * 60 + 42)) }
        try await TestApp.run(["QUOTA_REQUESTS_PER_MINUTE": "3"], now: clock) { client, _ in
            try await client.register(email: "quota@example.com")
            let token = try await client.login(email: "quota@example.com").access
            for _ in 0..<3 {
                #expect(
                    (try await client.send(.post, "/api/v1/chat", json: #"{"message":"a b c"}"#, bearer: token)).status == .ok)
            }
            let over = try await client.send(.post, "/api/v1/chat", json: #"{"message":"again"}"#, bearer: token)
            #expect(over.status == .tooManyRequests)
            #expect(try over.json()["code"] as? String == "quota_exceeded")
            #expect(over.headers[.retryAfter] == "18")
            let overV1 = try await client.send(
                .post, "/v1/chat/completions", json: #"{"model":"default","messages":[{"role":"user","content":"x"}]}"#,
                bearer: token)
            #expect(overV1.status == .tooManyRequests)
            #expect((try overV1.json()["error"] as? [String: Any])?["code"] as? String == "quota_exceeded")

            let usage = try await client.send(.get, "/api/v1/users/me/usage", bearer: token).json()
            let days = try #require(usage["days"] as? [[String: Any]])
            #expect(days.first?["bot"] as? String == "default")
            #expect(days.first?["requests"] as? Int == 3)
            #expect(days.first?["output_tokens"] as? Int == 9)
            for bad in ["from=2026-13-01", "to=2024-02-31", "to=2023-02-29", "from=2024-04-31"] {
                #expect(
                    (try await client.send(.get, "/api/v1/users/me/usage?\(bad)", bearer: token)).status
                        == .unprocessableContent)
            }
            #expect((try await client.send(.get, "/api/v1/users/me/usage?to=2024-02-29", bearer: token)).status == .ok)
        }
        try await TestApp.run(["QUOTA_TOKENS_PER_DAY": "5"]) { client, _ in
            try await client.register(email: "tokens@example.com")
            let token = try await client.login(email: "tokens@example.com").access
            #expect(
                (try await client.send(.post, "/api/v1/chat", json: #"{"message":"one two three four five six"}"#, bearer: token))
                    .status == .ok)
            let over = try await client.send(.post, "/api/v1/chat", json: #"{"message":"more"}"#, bearer: token)
            #expect(over.status == .tooManyRequests)
            // Until the database's UTC day ends.
            #expect((1...86400).contains(Int(over.headers[.retryAfter] ?? "") ?? 0))
        }
    }

    @Test func theOfficialOpenAIPythonClientWorks() async throws {
        let python = ProcessInfo.processInfo.environment["TEST_PYTHON"] ?? "python3"
        try await TestApp.run(["QUOTA_REQUESTS_PER_MINUTE": "10", "BOTS": "eyes=eyes,form=form,toolsy=toolsy"]) { client, _ in
            try await client.register(email: "sdk@example.com")
            let token = try await client.login(email: "sdk@example.com").access
            let secret = try #require(try await Self.key(client, token: token)["key"] as? String)
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "Support/openai_client.py"
            ).path
            let port = try #require(client.port)
            let status = try await Subprocess.run(
                ["/usr/bin/env", python, script, "http://localhost:\(port)/v1", secret], quiet: false)
            #expect(status == 0)
        }
    }

    /// Anthropic's SDK on `POST /v1/messages`: text, streaming, and its error types.
    @Test func theOfficialAnthropicPythonClientWorks() async throws {
        let python = ProcessInfo.processInfo.environment["TEST_PYTHON"] ?? "python3"
        try await TestApp.run(["BOTS": "eyes=eyes,toolsy=toolsy"]) { client, _ in
            try await client.register(email: "claude@example.com")
            let token = try await client.login(email: "claude@example.com").access
            let secret = try #require(try await Self.key(client, token: token)["key"] as? String)
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "Support/anthropic_client.py"
            ).path
            let port = try #require(client.port)
            let status = try await Subprocess.run(
                ["/usr/bin/env", python, script, "http://localhost:\(port)", secret], quiet: false)
            #expect(status == 0)
        }
    }
}
