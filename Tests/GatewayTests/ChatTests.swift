import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import Postgres

@Suite struct ChatTests {
    static let chat = "/api/v1/chat"

    static func signIn(_ client: any TestClientProtocol, _ email: String = "chat@example.com") async throws -> String {
        try await client.register(email: email)
        return try await client.login(email: email).access
    }

    @Test func chatFollowsTheContract() async throws {
        try await TestApp.run { client, _ in
            let token = try await Self.signIn(client)
            let noBearer = try await client.send(.post, Self.chat, json: #"{"message":"hi"}"#)
            #expect(noBearer.status == .unauthorized)
            #expect(noBearer.text == #"{"detail":"Not authenticated","code":"http_error"}"#)
            let bad = try await client.send(.post, Self.chat, json: #"{"message":"hi"}"#, bearer: "x.y.z")
            #expect(bad.status == .unauthorized)

            let ok = try await client.send(.post, Self.chat, json: #"{"message":"  hello there  "}"#, bearer: token)
            #expect(ok.status == .ok)
            let body = try ok.json()
            #expect(body["response"] as? String == "hello there")
            #expect(body["bot"] as? String == "default")
            #expect(UUID(uuidString: body["conversation_id"] as? String ?? "") != nil)
            #expect(UUID(uuidString: body["message_id"] as? String ?? "") != nil)

            let exactly = String(repeating: "a", count: 4096)
            #expect(
                (try await client.send(.post, Self.chat, json: #"{"message":"  \#(exactly)  "}"#, bearer: token)).status == .ok)
        }
    }

    @Test(arguments: [
        (#"{"message":"   "}"#, "Value error, Message must not be empty or whitespace."),
        (#"{"message":""}"#, "Value error, Message must not be empty or whitespace."),
        (
            #"{"message":"\#(String(repeating: "b", count: 4097))"}"#,
            "Value error, Message too long. Maximum allowed is 4096 characters. Please shorten your message."
        ),
        (#"{}"#, "Field required"),
        (#"{"message":5}"#, "Input should be a valid string"),
        (#"{"message":"x","conversation_id":"nope"}"#, "Input should be a valid UUID"),
        (#"["message"]"#, "Input should be a valid dictionary or object to extract fields from"),
        (#"{"message":"#, "JSON decode error"),
    ])
    func invalidBodiesAre422WithTheContractMessages(body: String, message: String) async throws {
        try await TestApp.run { client, _ in
            let token = try await Self.signIn(client)
            let response = try await client.send(.post, Self.chat, json: body, bearer: token)
            #expect(response.status == .unprocessableContent)
            let detail = try #require(try response.json()["detail"] as? [[String: Any]])
            #expect(detail.first?["msg"] as? String == message)
        }
    }

    @Test func contextReachesTheBotWithinItsBounds() async throws {
        let env = ["BOT_PROVIDER": "probe", "BOT_SYSTEM_PROMPT": "Be kind.", "CHAT_CONTEXT_MESSAGES": "2"]
        try await TestApp.run(env) { client, _ in
            let token = try await Self.signIn(client)
            let first = try await client.send(.post, Self.chat, json: #"{"message":"one"}"#, bearer: token).json()
            #expect(first["response"] as? String == "system:Be kind.|user:one")
            let id = try #require(first["conversation_id"] as? String)
            let second = try await client.send(
                .post, Self.chat, json: #"{"message":"two","conversation_id":"\#(id)"}"#, bearer: token
            ).json()
            #expect(second["response"] as? String == "system:Be kind.|user:one|assistant:system:Be kind.|user:one|user:two")
            #expect(second["conversation_id"] as? String == id)
            let third = try await client.send(
                .post, Self.chat, json: #"{"message":"three","conversation_id":"\#(id)"}"#, bearer: token
            ).json()
            // Only the last two stored messages travel with the turn.
            let reply = try #require(third["response"] as? String)
            #expect(reply.hasPrefix("system:Be kind.|user:two|assistant:"))
            #expect(reply.hasSuffix("|user:three"))
        }
    }

    @Test func streamingSendsStartDeltasAndEnd() async throws {
        try await TestApp.run { client, _ in
            let token = try await Self.signIn(client)
            let response = try await client.send(
                .post, Self.chat, json: #"{"message":"stream me please"}"#, bearer: token, headers: [.accept: "text/event-stream"]
            )
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream")
            let events = Self.events(response.text)
            #expect(events.map(\.0) == ["start", "delta", "delta", "delta", "end"])
            #expect(events[1...3].map { $0.1["text"] as? String ?? "" }.joined() == "stream me please")
            #expect((events.last?.1["usage"] as? [String: Any])?["output_tokens"] as? Int == 3)
            #expect(events[0].1["bot"] as? String == "default")
            let alias = try await client.send(.post, Self.chat + "/stream", json: #"{"message":"x"}"#, bearer: token)
            #expect(Self.events(alias.text).map(\.0) == ["start", "delta", "end"])
        }
    }

    @Test func aMidStreamFailureEndsWithAnErrorEventAndIsStoredPartial() async throws {
        try await TestApp.run(["BOT_PROVIDER": "midfail"]) { client, _ in
            let token = try await Self.signIn(client)
            let response = try await client.send(.post, Self.chat + "/stream", json: #"{"message":"x"}"#, bearer: token)
            let events = Self.events(response.text)
            #expect(events.map(\.0) == ["start", "delta", "error"])
            #expect(events[2].1["code"] as? String == "bot_upstream_error")
            let id = try #require(events[0].1["conversation_id"] as? String)
            let stored = try await client.send(.get, "/api/v1/conversations/\(id)", bearer: token).json()
            let messages = try #require(stored["messages"] as? [[String: Any]])
            #expect(messages.map { $0["status"] as? String } == ["ok", "partial"])
            #expect(messages.last?["content"] as? String == "partial answer")
        }
    }

    @Test func aClientThatHangsUpCancelsTheBot() async throws {
        try await TestApp.run(["BOT_PROVIDER": "slow"]) { client, _ in
            let token = try await Self.signIn(client, "slow@example.com")
            let before = TestBots.cancellations.withLockedValue { $0 }
            let raw = try RawHTTP(port: try #require(client.port))
            let body = #"{"message":"go"}"#
            raw.send(
                "POST /api/v1/chat/stream HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            let received = await raw.read(until: "tick")
            #expect(received.contains("event: start"))
            raw.hangUp()
            for _ in 0..<500 where TestBots.cancellations.withLockedValue({ $0 }) == before {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(TestBots.cancellations.withLockedValue { $0 } > before)
        }
    }

    /// A plugin that ignores its deadline is stopped by the gateway shortly after it.
    @Test func aBotIgnoringItsDeadlineIsStopped() async throws {
        try await TestApp.run(["BOT_PROVIDER": "stubborn", "BOT_TIMEOUT_SECONDS": "0.5"]) { client, _ in
            let token = try await Self.signIn(client, "stubborn@example.com")
            let start = ContinuousClock.now
            let response = try await client.send(.post, Self.chat, json: #"{"message":"hello?"}"#, bearer: token)
            // The bot never answers on its own, so any answer proves the gateway stopped it; the
            // bound is loose because a loaded CI machine took 4.5 s for the deadline, grace and store.
            let elapsed = ContinuousClock.now - start
            #expect(elapsed >= .milliseconds(500) && elapsed < .seconds(15), "answered after \(elapsed)")
            #expect(response.status == .ok)
            #expect((try response.json()["error"] as? [String: Any])?["code"] as? String == "bot_timeout")
        }
    }

    @Test func botsAreSelectedByNameAndListedWithoutSecrets() async throws {
        let env = ["BOTS": "alt=probe, sick=failing", "BOT_ALT_API_KEY": "sk-hidden"]
        try await TestApp.run(env) { client, services in
            let token = try await Self.signIn(client)
            let alt = try await client.send(.post, Self.chat, json: #"{"message":"hi","bot":"ALT"}"#, bearer: token).json()
            #expect(alt["bot"] as? String == "alt")
            #expect(alt["response"] as? String == "user:hi")
            let unknown = try await client.send(.post, Self.chat, json: #"{"message":"hi","bot":"ghost"}"#, bearer: token)
            #expect(unknown.status == .notFound)
            #expect(try unknown.json()["code"] as? String == "unknown_bot")
            await services.bots.health.refresh(services.bots)
            let list = try await client.send(.get, "/api/v1/bots", bearer: token)
            #expect(list.status == .ok)
            #expect(list.text.contains("sk-hidden") == false)
            let bots = try #require(try JSONSerialization.jsonObject(with: Data(buffer: list.body)) as? [[String: Any]])
            #expect(bots.map { $0["name"] as? String } == ["default", "alt", "sick"])
            #expect(bots.map { $0["kind"] as? String } == ["echo", "probe", "failing"])
            #expect(bots.map { $0["healthy"] as? Bool } == [true, true, false])
            #expect(bots.map { $0["default"] as? Bool } == [true, false, false])
            #expect((try await client.send(.get, "/api/v1/bots")).status == .unauthorized)
        }
    }

    @Test func aFailingBotFallsBackOrAnswersPolitely() async throws {
        try await TestApp.run(["BOT_PROVIDER": "failing", "BOTS": "backup=echo", "BOT_FALLBACK": "backup"]) { client, _ in
            let token = try await Self.signIn(client)
            let body = try await client.send(.post, Self.chat, json: #"{"message":"rescue me"}"#, bearer: token).json()
            #expect(body["response"] as? String == "rescue me")
            #expect(body["bot"] as? String == "backup")
        }
        // A bot refusing the request is answered as such, not by the fallback.
        try await TestApp.run([
            "BOT_PROVIDER": "failing", "BOT_FAILING_ERROR": "rejected", "BOTS": "backup=echo", "BOT_FALLBACK": "backup",
        ]) {
            client, _ in
            let token = try await Self.signIn(client)
            let body = try await client.send(.post, Self.chat, json: #"{"message":"refused"}"#, bearer: token).json()
            #expect((body["error"] as? [String: Any])?["code"] as? String == "bot_rejected")
            #expect(body["bot"] as? String == "default")
        }
        try await TestApp.run(["BOT_PROVIDER": "failing", "BOT_FAILING_ERROR": "timeout"]) { client, _ in
            let token = try await Self.signIn(client)
            let response = try await client.send(.post, Self.chat, json: #"{"message":"anyone?"}"#, bearer: token)
            #expect(response.status == .ok)
            let body = try response.json()
            #expect((body["response"] as? String)?.hasPrefix("I'm sorry") == true)
            #expect((body["suggestions"] as? [String])?.isEmpty == false)
            #expect((body["error"] as? [String: Any])?["code"] as? String == "bot_timeout")
            let id = try #require(body["conversation_id"] as? String)
            let stored = try await client.send(.get, "/api/v1/conversations/\(id)", bearer: token).json()
            #expect((stored["messages"] as? [[String: Any]])?.last?["status"] as? String == "failed")
            let streamed = try await client.send(.post, Self.chat + "/stream", json: #"{"message":"x"}"#, bearer: token)
            #expect(Self.events(streamed.text).map(\.0) == ["start", "error"])
        }
    }

    @Test func conversationsAreListedPagedOwnedAndDeleted() async throws {
        try await TestApp.run { client, _ in
            let token = try await Self.signIn(client, "owner@example.com")
            var ids: [String] = []
            for index in 0..<5 {
                let body = try await client.send(.post, Self.chat, json: #"{"message":"topic \#(index)"}"#, bearer: token).json()
                ids.append(try #require(body["conversation_id"] as? String))
            }
            var seen: [String] = []
            var cursor: String?
            repeat {
                let uri = "/api/v1/conversations?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await client.send(.get, uri, bearer: token).json()
                seen += (page["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                cursor = page["next_cursor"] as? String
            } while cursor != nil
            #expect(seen == ids.reversed())
            let first = try await client.send(.get, "/api/v1/conversations/\(ids[0])", bearer: token).json()
            #expect(first["title"] as? String == "topic 0")
            #expect((first["messages"] as? [[String: Any]])?.map { $0["role"] as? String } == ["user", "assistant"])

            let intruder = try await Self.signIn(client, "intruder@example.com")
            #expect((try await client.send(.get, "/api/v1/conversations/\(ids[0])", bearer: intruder)).status == .notFound)
            #expect((try await client.send(.delete, "/api/v1/conversations/\(ids[0])", bearer: intruder)).status == .notFound)
            let hijack = try await client.send(
                .post, Self.chat, json: #"{"message":"x","conversation_id":"\#(ids[0])"}"#, bearer: intruder)
            #expect(hijack.status == .notFound)
            let theirs = try await client.send(.get, "/api/v1/conversations", bearer: intruder).json()
            #expect((theirs["items"] as? [Any])?.isEmpty == true)

            #expect((try await client.send(.delete, "/api/v1/conversations/\(ids[0])", bearer: token)).status == .noContent)
            #expect((try await client.send(.get, "/api/v1/conversations/\(ids[0])", bearer: token)).status == .notFound)
            #expect((try await client.send(.get, "/api/v1/conversations/not-a-uuid", bearer: token)).status == .notFound)
            #expect((try await client.send(.get, "/api/v1/conversations?limit=0", bearer: token)).status == .unprocessableContent)
            #expect(
                (try await client.send(.get, "/api/v1/conversations?cursor=%%%", bearer: token)).status == .unprocessableContent)
        }
    }

    @Test func deletingAUserWithPlainSQLDeletesTheirConversations() async throws {
        try await TestApp.run { client, services in
            let token = try await Self.signIn(client, "gone@example.com")
            _ = try await client.send(.post, Self.chat, json: #"{"message":"remember me"}"#, bearer: token)
            let id: Int = try #require(
                try await services.pool.query("SELECT id FROM users WHERE email = 'gone@example.com'").first
            ).decode("id")
            _ = try await services.pool.query("DELETE FROM refresh_tokens WHERE user_id = \(id)")
            _ = try await services.pool.query("DELETE FROM users WHERE id = \(id)")
            let left: Int = try #require(try await services.pool.query("SELECT count(*) AS n FROM conversations").first).decode(
                "n")
            #expect(left == 0)
        }
    }

    @Test(
        arguments: [
            (["BOT_PROVIDER": "nope"], "BOT_PROVIDER"), (["BOTS": "broken"], "BOTS"), (["BOTS": "a=echo,a=echo"], "BOTS"),
            (["BOT_FALLBACK": "ghost"], "BOT_FALLBACK"), (["BOT_PROVIDER": "http"], "BOT_HTTP_URL"),
            (
                ["BOTS": "claude=http", "BOT_CLAUDE_URL": "http://x", "BOT_CLAUDE_API": "soap", "BOT_CLAUDE_MODEL": "m"],
                "BOT_CLAUDE_API"
            ),
            (["BOT_TIMEOUT_SECONDS": "0"], "BOT_TIMEOUT_SECONDS"), (["BOTS": "bad name=echo"], "BOTS"),
        ] as [([String: String], String)])
    func aMisconfiguredBotFailsStartupNamingTheVariable(env: [String: String], variable: String) throws {
        let error = #expect(throws: ConfigError.self) {
            let config = try GatewayConfig(environment: TestApp.environment(database: "unused", env))
            _ = try BotDirectory(config: config.bots, registry: TestBots.registry)
        }
        #expect(error?.variable == variable)
        #expect(error?.description.hasPrefix("configuration error: \(variable) ") == true)
    }

    /// `(event, data)` pairs of an SSE body.
    static func events(_ text: String) -> [(String, [String: Any])] {
        text.components(separatedBy: "\n\n").compactMap { block in
            var name = ""
            var data = ""
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
            }
            guard name.isEmpty == false else { return nil }
            let object = (try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any]) ?? [:]
            return (name, object)
        }
    }
}
