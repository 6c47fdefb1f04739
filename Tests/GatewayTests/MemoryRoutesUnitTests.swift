import Foundation
import HummingbirdTesting
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain

/// The routes on in-memory stores: accounts, chat and conversations, API keys and `/v1`,
/// usage, administrators and budgets, each answer checked against the OpenAPI document, with
/// no database (the same routes on PostgreSQL are the integration suites).
@Suite struct MemoryRoutesUnitTests {
    @Test func accountsSignInRotateAndSignOutEverywhere() async throws {
        try await MemoryApp.run { client, _ in
            #expect(try await client.register(email: "ann@example.com").status == .created)
            #expect(try await client.register(email: "ANN@example.com").status == .conflict)
            let (access, refresh) = try await client.login(email: "ann@example.com")
            let me = try await client.send(.get, "/api/v1/users/me", bearer: access).json()
            #expect(me["email"] as? String == "ann@example.com")
            let rotated = try await client.send(.post, "/api/v1/users/refresh-token", cookie: refresh)
            #expect(rotated.status == .ok)
            let next = try #require(rotated.refreshCookie)
            #expect(next != refresh)
            let second = try await client.login(email: "ann@example.com").access
            let sessions = try await client.send(.get, "/api/v1/users/me/sessions", bearer: second)
            #expect(sessions.status == .ok)
            #expect(try await client.send(.post, "/api/v1/users/logout-all", bearer: second).status == .noContent)
            #expect(try await client.send(.post, "/api/v1/users/refresh-token", cookie: next).status == .unauthorized)
            #expect(try await client.send(.get, "/ready").status == .ok)
        }
    }

    @Test func chatTurnsAreStoredAsConversationsOfTheirOwner() async throws {
        try await MemoryApp.run { client, _ in
            try await client.register(email: "bea@example.com")
            let token = try await client.login(email: "bea@example.com").access
            let first = try await client.send(.post, "/api/v1/chat", json: #"{"message":"hello there"}"#, bearer: token).json()
            #expect(first["response"] as? String == "hello there")
            let id = try #require(first["conversation_id"] as? String)
            let second = try await client.send(
                .post, "/api/v1/chat", json: #"{"message":"again","conversation_id":"\#(id)"}"#, bearer: token)
            #expect(second.status == .ok)
            let list = try await client.send(.get, "/api/v1/conversations", bearer: token)
            #expect(list.text.contains(id))
            let one = try await client.send(.get, "/api/v1/conversations/\(id)", bearer: token).json()
            #expect(
                (one["messages"] as? [[String: Any]])?.compactMap { $0["content"] as? String } == [
                    "hello there", "hello there", "again", "again",
                ])
            try await client.register(email: "cal@example.com")
            let other = try await client.login(email: "cal@example.com").access
            #expect(try await client.send(.get, "/api/v1/conversations/\(id)", bearer: other).status == .notFound)
            let intrude = try await client.send(
                .post, "/api/v1/chat", json: #"{"message":"mine","conversation_id":"\#(id)"}"#, bearer: other)
            #expect(intrude.status == .notFound)
            #expect(try await client.send(.delete, "/api/v1/conversations/\(id)", bearer: token).status == .noContent)
            #expect(try await client.send(.get, "/api/v1/conversations/\(id)", bearer: token).status == .notFound)
        }
    }

    @Test func keysCallV1AndTheirUsageIsCountedUntilRevoked() async throws {
        try await MemoryApp.run { client, _ in
            try await client.register(email: "dee@example.com")
            let token = try await client.login(email: "dee@example.com").access
            let created = try await client.send(
                .post, "/api/v1/users/me/api-keys", json: #"{"name":"ci"}"#, bearer: token)
            #expect(created.status == .created)
            let key = try #require(try created.json()["key"] as? String)
            let keyID = try #require(try created.json()["id"] as? String)
            let body = #"{"model":"default","messages":[{"role":"user","content":"one two three"}]}"#
            let completion = try await client.send(.post, "/v1/chat/completions", json: body, bearer: key)
            #expect(completion.status == .ok)
            #expect(completion.text.contains(#""object":"chat.completion""#))
            // Written in batches: the next batch brings it.
            #expect(
                try await AuthCacheTests.eventually {
                    try await client.send(.get, "/api/v1/users/me/usage", bearer: token).text.contains(#""requests":1"#)
                })
            #expect(try await client.send(.delete, "/api/v1/users/me/api-keys/\(keyID)", bearer: token).status == .noContent)
            #expect(try await client.send(.post, "/v1/chat/completions", json: body, bearer: key).status == .unauthorized)
        }
    }

    @Test func administratorsDisableUsersAndBudgetsRefuseCallsThatDoNotFit() async throws {
        try await MemoryApp.run { client, services in
            try await client.register(email: "eve@example.com")
            try await client.register(email: "fox@example.com")
            #expect(try await services.admins.setAdmin(email: "eve@example.com", true))
            let admin = try await client.login(email: "eve@example.com").access
            let user = try await client.login(email: "fox@example.com").access
            #expect(try await client.send(.get, "/api/v1/admin/users", bearer: user).status == .forbidden)
            let users = try await client.send(.get, "/api/v1/admin/users?search=fox", bearer: admin)
            #expect(users.status == .ok)
            let fox = try #require((try users.json()["users"] as? [[String: Any]])?.first?["id"] as? Int)
            let budget = try await client.send(
                .post, "/api/v1/admin/budgets", json: #"{"user_id":\#(fox),"unit":"tokens","period":"day","limit":1}"#,
                bearer: admin)
            #expect(budget.status == .ok || budget.status == .created)
            let refused = try await client.send(
                .post, "/api/v1/chat", json: #"{"message":"too long for one token"}"#, bearer: user)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] != nil)
            #expect(try await client.send(.post, "/api/v1/admin/users/\(fox)/disable", bearer: admin).status == .noContent)
            #expect(try await client.send(.get, "/api/v1/users/me", bearer: user).status == .unauthorized)
            #expect(try await client.send(.delete, "/api/v1/admin/users/\(fox)", bearer: admin).status == .noContent)
            let daily = try await client.send(.get, "/api/v1/admin/usage", bearer: admin)
            #expect(daily.status == .ok)
        }
    }
}
