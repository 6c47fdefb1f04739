import BotKit
import Foundation
import HummingbirdTesting
import NIOConcurrencyHelpers
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import Postgres

/// Budgets that cannot be overspent, and costs at the bots' prices.
@Suite struct BudgetTests {
    /// An administrator's access token and a user's id, access token and API key.
    struct Cast {
        let admin: String
        let userID: Int
        let user: String
        let key: String
        let keyID: String
    }

    static func cast(_ client: any TestClientProtocol, _ services: GatewayServices, _ name: String) async throws -> Cast {
        let admin = try await AdminTests.admin(client, services, "boss-\(name)@example.com")
        let registered = try await client.register(email: "\(name)@example.com")
        let userID = try #require(try registered.json()["id"] as? Int)
        let user = try await client.login(email: "\(name)@example.com").access
        let created = try await OpenAICompatibilityTests.key(client, token: user)
        return Cast(
            admin: admin, userID: userID, user: user, key: try #require(created["key"] as? String),
            keyID: try #require(created["id"] as? String))
    }

    static func admins(_ name: String) -> String { "boss-\(name)@example.com" }

    /// Sets a budget through the admin API; returns it.
    @discardableResult
    static func budget(_ client: any TestClientProtocol, _ cast: Cast, _ fields: String) async throws -> [String: Any] {
        let response = try await client.send(
            .post, "/api/v1/admin/budgets", json: #"{"user_id":\#(cast.userID),\#(fields)}"#, bearer: cast.admin)
        #expect(response.status == .ok, "\(response.text)")
        return try response.json()
    }

    @Test func twoHundredConcurrentCallsAgainstABudgetThatFitsTwenty() async throws {
        // Each admitted call holds its reservation until all 180 refusals are in (the
        // gated bot), so none is settled while the 200 arrive, however loaded the machine.
        let env = [
            "ADMIN_EMAILS": Self.admins("burst"), "BOT_PROVIDER": "gated", "DB_POOL_TIMEOUT_SECONDS": "20",
        ]
        try await TestApp.run(env) { client, services in
            let cast = try await Self.cast(client, services, "burst")
            // Worst case of each call: 8 + 6 bytes of input ("budget") + max_tokens 10 = 24.
            try await Self.budget(client, cast, #""unit":"tokens","period":"day","limit":480"#)
            let body = #"{"model":"default","max_tokens":10,"messages":[{"role":"user","content":"budget"}]}"#
            let statuses = NIOLockedValueBox<[Int: Int]>([:])
            let port = try #require(client.port)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<200 {
                    group.addTask {
                        // A connection each: the test client's single one would send them in turn.
                        let (status, text) = try await RawHTTP.request(
                            port: port, "POST", "/v1/chat/completions", json: body,
                            headers: ["Authorization": "Bearer \(cast.key)"])
                        if status == 429 {
                            #expect(text.contains(#""code":"budget_exceeded""#))
                            #expect(text.lowercased().contains("retry-after: "))
                        }
                        let refused = statuses.withLockedValue {
                            $0[status, default: 0] += 1
                            return $0[429, default: 0]
                        }
                        if refused == 180 { TestBots.gate.open() }
                    }
                }
                try await group.waitForAll()
            }
            let seen = statuses.withLockedValue { $0 }
            #expect(seen[200] == 20, "\(seen)")
            #expect(seen[429] == 180, "\(seen)")
            // Settled and recorded (a background write may be committing while ours finds nothing).
            for _ in 0..<100 {
                await services.budgets.settler.flush()
                await services.usageBatcher.flush()
                let reserved = try await services.pool.query("SELECT reserved FROM budgets").first?.decode(
                    "reserved", as: Int.self)
                let calls = try await services.pool.query("SELECT coalesce(sum(requests), 0)::int AS n FROM usage_daily")
                if reserved == 0, try calls.first?.decode("n", as: Int.self) == 20 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let budget = try #require(try await services.pool.query("SELECT spent, reserved FROM budgets").first)
            let spent = try budget.decode("spent", as: Int.self)
            #expect(try budget.decode("reserved", as: Int.self) == 0)
            // Twenty calls of one word in and one out.
            #expect(spent == 40)
            let used = try await services.pool.query(
                "SELECT sum(input_tokens + output_tokens)::bigint AS n, sum(requests)::int AS calls FROM usage_daily")
            #expect(try used.first?.decode("n", as: Int.self) == spent)
            #expect(try used.first?.decode("calls", as: Int.self) == 20)
        }
    }

    @Test func costsAreStoredAndCostBudgetsRefuse() async throws {
        let env = ["ADMIN_EMAILS": Self.admins("cost"), "BOT_ECHO_PRICE_INPUT": "1.5", "BOT_ECHO_PRICE_OUTPUT": "3"]
        try await TestApp.run(env) { client, services in
            let cast = try await Self.cast(client, services, "cost")
            #expect(
                try await client.send(.post, "/api/v1/chat", json: #"{"message":"one two three"}"#, bearer: cast.user).status
                    == .ok)
            // Three words in, three out: 3 × 1.5 + 3 × 3 per million tokens.
            let report = try await client.send(.get, "/api/v1/admin/usage?user_id=\(cast.userID)", bearer: cast.admin).json()
            let rows = try #require(report["rows"] as? [[String: Any]])
            #expect(rows.count == 1)
            #expect(abs((rows.first?["cost"] as? Double ?? 0) - 0.0000135) < 1e-12)
            #expect(abs((report["total_cost"] as? Double ?? 0) - 0.0000135) < 1e-12)
            #expect(report["currency"] as? String == "USD")
            #expect(rows.first?["key_id"] == nil)
            #expect((report["by_key"] as? [[String: Any]])?.isEmpty == true)
            // A cost budget of 0.0010135 a month leaves 0.001 after that call: 4,096 output
            // tokens (the default cap) at 3 per million cost more, so the call is refused in
            // the contract's shape.
            let budget = try await Self.budget(client, cast, #""unit":"cost","period":"month","limit":0.0010135"#)
            #expect(budget["limit"] as? Double == 0.0010135)
            #expect(budget["spent"] as? Double == 0.0000135)
            let refused = try await client.send(.post, "/api/v1/chat", json: #"{"message":"again"}"#, bearer: cast.user)
            #expect(refused.status == .tooManyRequests)
            #expect(try refused.json()["code"] as? String == "budget_exceeded")
            let wait = try #require(refused.headers[.retryAfter].flatMap { Int($0) })
            #expect(wait >= 1 && wait <= 31 * 86400)
            // With max_tokens 100 it fits (0.0003195; the user's budget binds its keys too).
            let small = #"{"model":"default","max_tokens":100,"messages":[{"role":"user","content":"again"}]}"#
            let fits = try await client.send(.post, "/v1/chat/completions", json: small, bearer: cast.key)
            #expect(fits.status == .ok, "\(fits.text)")
        }
    }

    @Test func aKeyBudgetBindsOnlyThatKey() async throws {
        try await TestApp.run(["ADMIN_EMAILS": Self.admins("keyed")]) { client, services in
            let cast = try await Self.cast(client, services, "keyed")
            // Warm this replica's cache with "no budgets": setting one must still apply at once.
            let body = #"{"model":"default","messages":[{"role":"user","content":"hi"}]}"#
            #expect(try await client.send(.post, "/v1/chat/completions", json: body, bearer: cast.key).status == .ok)
            try await Self.budget(client, cast, #""key_id":"\#(cast.keyID)","unit":"tokens","period":"day","limit":5"#)
            let refused = try await client.send(.post, "/v1/chat/completions", json: body, bearer: cast.key)
            #expect(refused.status == .tooManyRequests)
            #expect((try refused.json()["error"] as? [String: Any])?["code"] as? String == "budget_exceeded")
            // The user's own token is not bound by the key's budget.
            #expect(try await client.send(.post, "/api/v1/chat", json: #"{"message":"hi"}"#, bearer: cast.user).status == .ok)
            // Usage is kept per user (both calls) and per key (the key's).
            await services.usageBatcher.flush()
            let report = try await client.send(.get, "/api/v1/admin/usage?user_id=\(cast.userID)", bearer: cast.admin).json()
            #expect(report["total_requests"] as? Int == 2)
            let keyed = try #require(report["by_key"] as? [[String: Any]])
            #expect(keyed.map { $0["key_id"] as? String } == [cast.keyID.lowercased()])
            #expect(keyed.first?["requests"] as? Int == 1)
        }
    }

    @Test func aClientThatLeavesMidStreamIsBilledForWhatWasProduced() async throws {
        try await TestApp.run(["ADMIN_EMAILS": Self.admins("leaver"), "BOT_PROVIDER": "slow"]) { client, services in
            let cast = try await Self.cast(client, services, "leaver")
            try await Self.budget(client, cast, #""unit":"tokens","period":"day","limit":100000"#)
            let raw = try RawHTTP(port: try #require(client.port))
            let body = #"{"message":"go"}"#
            raw.send(
                "POST /api/v1/chat/stream HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(cast.user)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            _ = await raw.read(until: "tick")
            raw.hangUp()
            // The turn is stored (its usage in the same commit) and its hold settled.
            var spent = 0
            var stored = false
            for _ in 0..<400 where spent == 0 || stored == false {
                try await Task.sleep(for: .milliseconds(25))
                await services.budgets.settler.flush()
                spent = try await services.pool.query("SELECT spent FROM budgets").first?.decode("spent") ?? 0
                stored = try await services.pool.query("SELECT 1 AS one FROM usage_daily").count > 0
            }
            let usage = try await services.pool.query(
                "SELECT sum(input_tokens + output_tokens)::bigint AS n, sum(output_tokens)::bigint AS o FROM usage_daily")
            let output = try usage.first?.decode("o", as: Int.self) ?? 0
            // Billed what the usage records: some output, far from the whole answer (200 ticks).
            let recorded = try usage.first?.decode("n", as: Int.self)
            #expect(spent > 0 && spent == recorded)
            #expect(output > 0 && output < 100, "output tokens \(output)")
            let reserved = try await services.pool.query("SELECT reserved FROM budgets").first?.decode("reserved", as: Int.self)
            #expect(reserved == 0)
        }
    }

    @Test func administratorsManageBudgets() async throws {
        try await TestApp.run(["ADMIN_EMAILS": Self.admins("manage")]) { client, services in
            let cast = try await Self.cast(client, services, "manage")
            let path = "/api/v1/admin/budgets"
            // Everyone else is refused.
            let asUser = #"{"user_id":\#(cast.userID),"unit":"tokens","period":"day","limit":5}"#
            #expect(try await client.send(.post, path, json: asUser, bearer: cast.user).status == .forbidden)
            #expect(try await client.send(.get, path, bearer: cast.key).status == .forbidden)
            // Every field is checked, all at once.
            let bad = try await client.send(
                .post, path, json: #"{"user_id":"x","unit":"coins","period":"week","limit":-1,"key_id":"nope"}"#,
                bearer: cast.admin)
            #expect(bad.status == .unprocessableContent)
            let fields = Set(
                (try bad.json()["detail"] as? [[String: Any]] ?? []).compactMap { ($0["loc"] as? [Any])?.last as? String })
            #expect(fields == ["user_id", "unit", "period", "limit", "key_id"])
            let fraction = #"{"user_id":\#(cast.userID),"unit":"tokens","period":"day","limit":1.5}"#
            #expect(try await client.send(.post, path, json: fraction, bearer: cast.admin).status == .unprocessableContent)
            // Unknown users, and keys that are not the user's, are 404.
            let nobody = #"{"user_id":\#(cast.userID + 1000),"unit":"tokens","period":"day","limit":5}"#
            #expect(try await client.send(.post, path, json: nobody, bearer: cast.admin).status == .notFound)
            let strangerKey = #""key_id":"\#(UUID().uuidString)","unit":"tokens","period":"day","limit":5"#
            let stranger = #"{"user_id":\#(cast.userID),\#(strangerKey)}"#
            #expect(try await client.send(.post, path, json: stranger, bearer: cast.admin).status == .notFound)
            // Set, then changed in place (same user, key, unit and period).
            let first = try await Self.budget(client, cast, #""unit":"tokens","period":"day","limit":5"#)
            let second = try await Self.budget(client, cast, #""unit":"tokens","period":"day","limit":7"#)
            #expect(first["id"] as? String == second["id"] as? String)
            #expect(second["limit"] as? Int == 7)
            #expect(second["key_id"] is NSNull)
            try await Self.budget(client, cast, #""unit":"cost","period":"month","limit":2.5"#)
            let listed = try await client.send(.get, "\(path)?user_id=\(cast.userID)", bearer: cast.admin).json()
            let budgets = try #require(listed["budgets"] as? [[String: Any]])
            #expect(budgets.map { $0["unit"] as? String } == ["tokens", "cost"])
            #expect(budgets.last?["limit"] as? Double == 2.5)
            let id = try #require(first["id"] as? String)
            #expect(try await client.send(.delete, "\(path)/\(id)", bearer: cast.admin).status == .noContent)
            #expect(try await client.send(.delete, "\(path)/\(id)", bearer: cast.admin).status == .notFound)
            #expect(try await client.send(.delete, "\(path)/not-a-uuid", bearer: cast.admin).status == .notFound)
        }
    }

    /// A gateway that died leaves its holds: each is charged in full once it expires. A
    /// settlement is charged once, even when written again; a hold dropped unsettled is
    /// settled as having used nothing.
    @Test func holdsExpireAndSettleOnce() async throws {
        try await TestApp.run(["ADMIN_EMAILS": Self.admins("holds")]) { client, services in
            let cast = try await Self.cast(client, services, "holds")
            try await Self.budget(client, cast, #""unit":"tokens","period":"day","limit":100"#)
            let repository = services.budgets.repository
            // The settler sweeps expired holds on its first write and every thirtieth after;
            // writing once here makes that first sweep happen now, so the sweep below is the
            // only one for the next 29 intervals and its count is this test's.
            await services.budgets.settler.flush()
            func state() async throws -> (spent: Int, reserved: Int) {
                let row = try #require(try await services.pool.query("SELECT spent, reserved FROM budgets").first)
                return (try row.decode("spent"), try row.decode("reserved"))
            }
            #expect(
                try await repository.reserve(
                    holdID: UUID(), userID: cast.userID, keyID: nil, tokens: 30, costNanos: 0, ttl: .zero) == nil)
            // 30 of 100 held: 80 more does not fit.
            let wait = try await repository.reserve(
                holdID: UUID(), userID: cast.userID, keyID: nil, tokens: 80, costNanos: 0, ttl: .seconds(60))
            #expect(wait.map { $0 >= 1 && $0 <= 86400 } == true)
            // Until the database's clock is past the first hold's expiry (its TTL was zero).
            let live: SQL = "SELECT count(*)::int AS n FROM budget_holds WHERE expires_at >= now()"
            #expect(
                try await AuthCacheTests.eventually { try await services.pool.query(live).first?.decode("n", as: Int.self) == 0 })
            #expect(try await repository.releaseExpired() == 1)
            #expect(try await state() == (30, 0))
            // Settled twice (a write whose reply was lost), charged once.
            let hold = UUID()
            #expect(
                try await repository.reserve(
                    holdID: hold, userID: cast.userID, keyID: nil, tokens: 40, costNanos: 0, ttl: .seconds(60)) == nil)
            #expect(try await state() == (30, 40))
            let settlement = BudgetSettlement(holdID: hold, userID: cast.userID, keyID: nil, tokens: 12, costNanos: 0)
            try await repository.settle([settlement])
            try await repository.settle([settlement])
            #expect(try await state() == (42, 0))
            var dropped = try await services.budgets.reserve(
                userID: cast.userID, keyID: nil, usage: TokenUsage(inputTokens: 50, outputTokens: 0), price: .free,
                holdFor: .seconds(1))
            #expect(dropped != nil)
            #expect(try await state() == (42, 50))
            dropped = nil
            await services.budgets.settler.flush()
            #expect(try await state() == (42, 0))
        }
    }

    @Test func pricesAreParsedExactly() throws {
        #expect(BotPrice.micros("0.15") == 150_000)
        #expect(BotPrice.micros("12") == 12_000_000)
        #expect(BotPrice.micros("2.500000") == 2_500_000)
        #expect(BotPrice.micros("1000000") == 1_000_000_000_000)
        for bad in ["", "1.", ".5", "-1", "1e3", "0.1234567", "1000000.1", "1,5", " 1"] {
            #expect(BotPrice.micros(bad) == nil, "\(bad)")
        }
        let price = BotPrice(input: 1_500_000, output: 3_000_000, cachedInput: 150_000)
        // 100 input tokens of which 40 cached, 10 output: 60 × 1.5 + 40 × 0.15 + 10 × 3 (per million).
        #expect(price.cost(TokenUsage(inputTokens: 100, outputTokens: 10, cachedInputTokens: 40)) == 90_000 + 6_000 + 30_000)
        // Rounded up: one token at 0.0001 per million is a nano.
        #expect(BotPrice(input: 100, output: 0, cachedInput: 0).cost(TokenUsage(inputTokens: 1, outputTokens: 0)) == 1)
        #expect(throws: ConfigError.self) { try BotPrice(settings: ["PRICE_OUTPUT": "cheap"], prefix: "BOT_X_") }
        #expect(try BotPrice(settings: ["PRICE_INPUT": "2"], prefix: "BOT_X_").cachedInput == 2_000_000)
    }
}
