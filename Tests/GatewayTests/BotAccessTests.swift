import Foundation
import HTTPTypes
import Testing

/// An API key created with a `bots` list calls only those bots, on every API, and is told so
/// in each API's own shape; the model lists show it only those.
@Suite struct BotAccessTests {
    static let apiKey = HTTPField.Name("x-api-key")!
    static let keys = "/api/v1/users/me/api-keys"

    @Test func aKeyLimitedToSomeBotsCallsOnlyThose() async throws {
        try await TestApp.run(["BOTS": "alt=echo"]) { client, _ in
            try await client.register(email: "limited@example.com")
            let token = try await client.login(email: "limited@example.com").access
            // Names are checked against the configured bots, kept lowercase and once each.
            let created = try await client.send(
                .post, Self.keys, json: #"{"name":"alt only","bots":["ALT","alt"]}"#, bearer: token)
            #expect(created.status == .created)
            #expect(try created.json()["bots"] as? [String] == ["alt"])
            let key = try #require(try created.json()["key"] as? String)
            for bad in [
                #"["nope"]"#, "[]", #""alt""#, "[1]", "[" + Array(repeating: #""alt""#, count: 65).joined(separator: ",") + "]",
            ] {
                let refused = try await client.send(.post, Self.keys, json: #"{"name":"x","bots":\#(bad)}"#, bearer: token)
                #expect(refused.status == .unprocessableContent, "\(bad)")
                let detail = try #require(try refused.json()["detail"] as? [[String: Any]])
                #expect(detail.first?["loc"] as? [String] == ["body", "bots"], "\(bad)")
            }
            _ = try await client.send(.post, Self.keys, json: #"{"name":"every bot"}"#, bearer: token)
            let listed = try await client.send(.get, Self.keys, bearer: token)
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(listed.text.utf8)) as? [[String: Any]])
            #expect(rows.map { $0["name"] as? String } == ["every bot", "alt only"])
            #expect(rows.map { $0["bots"] as? [String] } == [nil, ["alt"]])

            // The lists show only the allowed bots.
            let models = try await client.send(.get, "/v1/models", bearer: key)
            #expect((try models.json()["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["alt"])
            let bots = try await client.send(.get, "/api/v1/bots", bearer: key)
            let botRows = try #require(try JSONSerialization.jsonObject(with: Data(bots.text.utf8)) as? [[String: Any]])
            #expect(botRows.compactMap { $0["name"] as? String } == ["alt"])
            let everything = try await client.send(.get, "/v1/models", bearer: token)
            #expect((try everything.json()["data"] as? [[String: Any]])?.count == 2)

            // The chat API: the default bot is refused, the allowed one answers.
            let chat = try await client.send(.post, "/api/v1/chat", json: #"{"message":"hi"}"#, bearer: key)
            #expect(chat.status == .forbidden)
            #expect(try chat.json()["code"] as? String == "bot_not_allowed")
            #expect(
                try await client.send(.post, "/api/v1/chat", json: #"{"message":"hi","bot":"alt"}"#, bearer: key).status
                    == .ok)
            #expect(try await client.send(.post, "/api/v1/chat", json: #"{"message":"hi"}"#, bearer: token).status == .ok)

            // The OpenAI-compatible routes, in OpenAI's shape.
            let calls = [
                ("/v1/chat/completions", #"{"model":"MODEL","messages":[{"role":"user","content":"hi"}]}"#),
                ("/v1/responses", #"{"model":"MODEL","input":"hi"}"#),
                ("/v1/embeddings", #"{"model":"MODEL","input":"hi"}"#),
            ]
            for (path, body) in calls {
                let refused = try await client.send(
                    .post, path, json: body.replacingOccurrences(of: "MODEL", with: "default"), bearer: key)
                #expect(refused.status == .forbidden, "\(path)")
                let error = try #require(try refused.json()["error"] as? [String: Any])
                #expect(error["type"] as? String == "permission_error", "\(path)")
                #expect(error["code"] as? String == "model_not_allowed", "\(path)")
                let allowed = try await client.send(
                    .post, path, json: body.replacingOccurrences(of: "MODEL", with: "Alt"), bearer: key)
                #expect(allowed.status == .ok, "\(path)")
            }
            // An unknown model stays a 404 (a limited key learns no more than any other).
            let unknown = try await client.send(
                .post, "/v1/chat/completions", json: #"{"model":"nope","messages":[{"role":"user","content":"hi"}]}"#,
                bearer: key)
            #expect(unknown.status == .notFound)

            // Anthropic's routes, in Anthropic's shape.
            let message = #"{"model":"MODEL","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}"#
            let count = #"{"model":"MODEL","messages":[{"role":"user","content":"hi"}]}"#
            for (path, message) in [("/v1/messages", message), ("/v1/messages/count_tokens", count)] {
                let refused = try await client.send(
                    .post, path, json: message.replacingOccurrences(of: "MODEL", with: "default"),
                    headers: [Self.apiKey: key])
                #expect(refused.status == .forbidden, "\(path)")
                #expect(try refused.json()["type"] as? String == "error")
                #expect((try refused.json()["error"] as? [String: Any])?["type"] as? String == "permission_error")
                let allowed = try await client.send(
                    .post, path, json: message.replacingOccurrences(of: "MODEL", with: "alt"), headers: [Self.apiKey: key])
                #expect(allowed.status == .ok, "\(path)")
            }
            // Two credentials of one user: only the bots both allow.
            let both = try await client.send(
                .post, "/v1/messages", json: message.replacingOccurrences(of: "MODEL", with: "default"), bearer: token,
                headers: [Self.apiKey: key])
            #expect(both.status == .forbidden)
        }
    }
}
