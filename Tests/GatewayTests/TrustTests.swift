import BotKit
import Foundation
import HTTPTypes
import NIOConcurrencyHelpers
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import Postgres

/// What an attacker or a hostile upstream tried on f28884b: login CSRF, credentials cached
/// by a browser, lengths counted in the wrong unit, upstream numbers that trapped, failed
/// calls that were free and paid upstream three times, health probes fanned out per request.
@Suite struct TrustTests {
    static let login = "/api/v1/users/login"

    /// A cross-site `<form>` can send `text/plain` or a form type without a preflight:
    /// only JSON is read, so such a form cannot sign a browser in.
    @Test func bodiesAreReadOnlyAsJSON() async throws {
        try await TestApp.run { client, _ in
            try await client.register(email: "csrf@example.com")
            let body = #"{"email":"csrf@example.com","password":"Passw0rd!"}"#
            for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
                let response = try await client.send(.post, Self.login, json: body, headers: [.contentType: type])
                #expect(response.status == .unsupportedMediaType, "\(type)")
                #expect(response.headers[.setCookie] == nil)
                #expect(try response.json()["code"] as? String == "http_error")
            }
            let charset = try await client.send(
                .post, Self.login, json: body, headers: [.contentType: "application/json; charset=utf-8"])
            #expect(charset.status == .ok)
            // Each API answers in its own shape.
            let access = try await client.login(email: "csrf@example.com").access
            let chat = #"{"model":"default","messages":[{"role":"user","content":"hi"}]}"#
            let openAI = try await client.send(
                .post, "/v1/chat/completions", json: chat, bearer: access, headers: [.contentType: "text/plain"])
            #expect(openAI.status == .unsupportedMediaType)
            #expect((try openAI.json()["error"] as? [String: Any])?["message"] != nil)
        }
    }

    @Test func answersCarryingCredentialsAreNeverCached() async throws {
        try await TestApp.run { client, _ in
            try await client.register(email: "cache@example.com")
            let login = try await client.send(
                .post, Self.login, json: #"{"email":"cache@example.com","password":"Passw0rd!"}"#)
            #expect(login.headers[.cacheControl] == "no-store")
            let refreshed = try await client.send(.post, "/api/v1/users/refresh-token", cookie: login.refreshCookie)
            #expect(refreshed.status == .ok)
            #expect(refreshed.headers[.cacheControl] == "no-store")
            let access = try #require(try refreshed.json()["access_token"] as? String)
            let key = try await client.send(.post, "/api/v1/users/me/api-keys", json: #"{"name":"k"}"#, bearer: access)
            #expect(key.status == .created)
            #expect(key.headers[.cacheControl] == "no-store")
        }
    }

    /// PostgreSQL's `varchar(n)` counts code points; a grapheme can hold several. Each
    /// limit is checked in code points, so a long emoji name is a 422, never a 500.
    @Test func lengthsAreCountedAsTheColumnCountsThem() async throws {
        try await TestApp.run { client, _ in
            let thumbs = "👍🏽"  // one grapheme, two code points
            let name = String(repeating: thumbs, count: 100)
            #expect(try await client.register(name: name, email: "long@example.com").status == .unprocessableContent)
            let fits = String(repeating: thumbs, count: 64)
            #expect(try await client.register(name: fits, email: "fits@example.com").status == .created)
            let access = try await client.login(email: "fits@example.com").access
            let keyName = String(repeating: thumbs, count: 60)
            let key = try await client.send(
                .post, "/api/v1/users/me/api-keys", json: #"{"name":"\#(keyName)"}"#, bearer: access)
            #expect(key.status == .unprocessableContent)
            // A user agent of 300 graphemes of 2 code points each is cut to its column.
            let agent = String(repeating: "e\u{301}", count: 300)
            let signed = try await client.send(
                .post, Self.login, json: #"{"email":"fits@example.com","password":"Passw0rd!"}"#,
                headers: [.userAgent: agent])
            #expect(signed.status == .ok)
            // A first message of 80 multi-code-point graphemes makes a title within varchar(200).
            let family = "👨‍👩‍👧‍👦"  // seven code points
            let chat = try await client.send(
                .post, "/api/v1/chat", json: #"{"message":"\#(String(repeating: family, count: 80))"}"#, bearer: access)
            #expect(chat.status == .ok)
        }
    }

    /// Whatever numbers an upstream reports as usage, the process stays up and the counts
    /// are clamped: negative ones to 0, huge ones to `TokenUsage.maximum`.
    @Test(arguments: [
        #"{"prompt_tokens":-1,"completion_tokens":-5}"#,
        #"{"prompt_tokens":9223372036854775807,"completion_tokens":9223372036854775807,"prompt_tokens_details":{"cached_tokens":9223372036854775807}}"#,
        #"{"prompt_tokens":1.5,"completion_tokens":"many"}"#,
        #"{"prompt_tokens":1e300,"completion_tokens":-1e300}"#,
        #"{}"#,
    ])
    func upstreamUsageNumbersCannotEndTheProcess(usage: String) async throws {
        let upstream = try await FixedUpstream.start(body: FixedUpstream.completion(usage: usage))
        defer { upstream.stop() }
        let env = [
            "BOT_PROVIDER": "http", "BOT_HTTP_URL": upstream.base, "BOT_HTTP_MODEL": "m", "BOT_HTTP_STREAM": "false",
            "BOT_HTTP_PRICE_INPUT": "3", "BOT_HTTP_PRICE_OUTPUT": "15",
        ]
        try await TestApp.run(env) { client, services in
            try await client.register(email: "numbers@example.com")
            let access = try await client.login(email: "numbers@example.com").access
            let body = #"{"model":"default","messages":[{"role":"user","content":"hi"}]}"#
            for _ in 0..<2 {
                let response = try await client.send(.post, "/v1/chat/completions", json: body, bearer: access)
                #expect(response.status == .ok, "\(response.text)")
                let counted = try #require(try response.json()["usage"] as? [String: Any])
                let prompt = try #require(counted["prompt_tokens"] as? Int)
                #expect((0...TokenUsage.maximum).contains(prompt))
            }
            #expect(try await client.send(.post, "/api/v1/chat", json: #"{"message":"hi"}"#, bearer: access).status == .ok)
            await services.usageBatcher.flush()
            let used = try await services.pool.query(
                "SELECT coalesce(sum(input_tokens), 0)::bigint AS n, coalesce(min(cost_nanos), 0)::bigint AS c FROM usage_daily")
            #expect(try used.first!.decode("n", as: Int.self) >= 0)
            #expect(try used.first!.decode("c", as: Int.self) >= 0)
            #expect(try await client.send(.get, "/live").status == .ok)
        }
    }

    @Test func tokenUsageIsClampedWheneverItIsSet() throws {
        var usage = TokenUsage(inputTokens: -3, outputTokens: .max, cachedInputTokens: 7, reasoningTokens: -1)
        #expect(usage == TokenUsage(inputTokens: 0, outputTokens: TokenUsage.maximum, cachedInputTokens: 0, reasoningTokens: 0))
        usage.inputTokens = 10
        usage.cachedInputTokens = .max
        #expect(usage.cachedInputTokens == 10)
        usage.outputTokens = -1
        #expect(usage.outputTokens == 0 && usage.reasoningTokens == 0)
        let decoded = try JSONDecoder().decode(
            TokenUsage.self, from: Data(#"{"inputTokens":-9,"outputTokens":9223372036854775807}"#.utf8))
        #expect(decoded == TokenUsage(inputTokens: 0, outputTokens: TokenUsage.maximum))
        #expect(
            BotPrice(input: 1_000_000_000_000, output: 1_000_000_000_000, cachedInput: 0).cost(decoded) <= BotPrice.maxNanos * 3)
    }

    /// The request went out and the upstream never answered in time: it may have run (and
    /// billed) the call, so the call is charged at its reservation, once — an idle timeout
    /// after the send is not retried.
    @Test func aCallWhoseOutcomeIsUnknownIsChargedOnceAndNotRetried() async throws {
        let upstream = try await FixedUpstream.start(body: FixedUpstream.completion(usage: "{}"), delay: .seconds(30))
        defer { upstream.stop() }
        let env = [
            "BOTS": "slowpoke=http", "BOT_SLOWPOKE_URL": upstream.base, "BOT_SLOWPOKE_MODEL": "m",
            "BOT_SLOWPOKE_STREAM": "false", "BOT_SLOWPOKE_IDLE_TIMEOUT_SECONDS": "1", "BOT_SLOWPOKE_TIMEOUT_SECONDS": "20",
            "ADMIN_EMAILS": "boss-unknown@example.com",
        ]
        try await TestApp.run(env) { client, services in
            let cast = try await BudgetTests.cast(client, services, "unknown")
            try await BudgetTests.budget(client, cast, #""unit":"tokens","period":"day","limit":100000"#)
            let body = #"{"model":"slowpoke","max_tokens":50,"messages":[{"role":"user","content":"a long generation"}]}"#
            let response = try await client.send(.post, "/v1/chat/completions", json: body, bearer: cast.key)
            #expect(response.status.code >= 500)
            #expect(upstream.requests == 1)
            await services.budgets.settler.flush()
            await services.usageBatcher.flush()
            let budget = try #require(try await services.pool.query("SELECT spent, reserved FROM budgets").first)
            // Reserved: 8 + 17 input bytes and max_tokens 50.
            #expect(try budget.decode("spent", as: Int.self) == 75)
            #expect(try budget.decode("reserved", as: Int.self) == 0)
            let used = try await services.pool.query(
                "SELECT coalesce(sum(input_tokens + output_tokens), 0)::bigint AS n FROM usage_daily WHERE bot = 'slowpoke'")
            #expect(try used.first!.decode("n", as: Int.self) == 75)
        }
    }

    @Test func anUpstreamThatRefusesBeforeProcessingCostsNothing() async throws {
        let upstream = try await FixedUpstream.start(status: .badRequest, body: #"{"error":{"message":"no"}}"#)
        defer { upstream.stop() }
        let env = [
            "BOTS": "picky=http", "BOT_PICKY_URL": upstream.base, "BOT_PICKY_MODEL": "m", "BOT_PICKY_STREAM": "false",
            "ADMIN_EMAILS": "boss-refused@example.com",
        ]
        try await TestApp.run(env) { client, services in
            let cast = try await BudgetTests.cast(client, services, "refused")
            try await BudgetTests.budget(client, cast, #""unit":"tokens","period":"day","limit":100000"#)
            let body = #"{"model":"picky","max_tokens":50,"messages":[{"role":"user","content":"x"}]}"#
            let response = try await client.send(.post, "/v1/chat/completions", json: body, bearer: cast.key)
            #expect(response.status.code >= 400)
            await services.budgets.settler.flush()
            let budget = try #require(try await services.pool.query("SELECT spent, reserved FROM budgets").first)
            #expect(try budget.decode("spent", as: Int.self) == 0)
            #expect(try budget.decode("reserved", as: Int.self) == 0)
        }
    }

    /// The fallback is a second call: after a failure the upstream may have run (and billed)
    /// it is not tried, so the turn is charged once, as if the first call ran.
    @Test func noFallbackAfterAnUnknownOutcome() async throws {
        let env = ["BOT_PROVIDER": "failing", "BOT_FAILING_ERROR": "timeout", "BOTS": "backup=echo", "BOT_FALLBACK": "backup"]
        try await TestApp.run(env) { client, services in
            try await client.register(email: "nofallback@example.com")
            let access = try await client.login(email: "nofallback@example.com").access
            let body = try await client.send(.post, "/api/v1/chat", json: #"{"message":"slow one"}"#, bearer: access).json()
            #expect(body["bot"] as? String == "default")
            #expect((body["error"] as? [String: Any])?["code"] as? String == "bot_timeout")
            await services.usageBatcher.flush()
            let used = try await services.pool.query(
                "SELECT coalesce(sum(input_tokens), 0)::bigint AS n FROM usage_daily WHERE bot = 'default'")
            #expect(try used.first!.decode("n", as: Int.self) > 0)
        }
    }

    /// Administrators promoted before this release (possibly strangers, by `ADMIN_EMAILS`
    /// at registration) are reset once by migration 0015.
    @Test func earlierAdministratorsAreResetOnce() async throws {
        let pool = TestDatabase.pool(try await TestDatabase.createEmpty())
        let all = try Migrator.load(directory: TestDatabase.migrationsDirectory)
        try await Migrator(migrations: all.filter { $0.version < 15 }, logger: TestDatabase.quietLogger).run(on: pool)
        _ = try await pool.query(
            "INSERT INTO users (name, email, hashed_password, is_admin) VALUES ('Eve', 'ops@example.com', 'x', true)")
        try await Migrator(migrations: all, logger: TestDatabase.quietLogger).run(on: pool)
        let admins = try await pool.query("SELECT count(*)::int AS n FROM users WHERE is_admin")
        #expect(try admins.first!.decode("n", as: Int.self) == 0)
        await pool.shutdown()
    }

    @Test func costsRoundUpWithoutOverflowing() {
        #expect(BotPrice.nanos(tokens: Int.max / 1000, micros: 1000) == BotPrice.maxNanos)
        #expect(BotPrice.nanos(tokens: 1, micros: 1) == 1)
        #expect(BotPrice.nanos(tokens: 1000, micros: 1) == 1)
        #expect(BotPrice.nanos(tokens: 1001, micros: 1) == 2)
    }

    /// A plugin whose health check never returns reads as unhealthy after the probe's limit.
    @Test func aHealthCheckThatNeverReturnsReadsUnhealthy() async {
        let health = await BotHealthCache.probe(StubbornHealthBot(), within: .milliseconds(50))
        #expect(health == BotHealth(healthy: false, detail: "health check timed out"))
    }

    /// Stored images are re-sent with every turn's context: their bytes count against
    /// `CHAT_CONTEXT_CHARS` like text, so ten image turns do not re-send megabytes.
    @Test func storedImagesCountAgainstTheContextBudget() {
        let image = ImagePart.data(mediaType: "image/png", base64: String(repeating: "A", count: 10_000))
        let history = [
            ChatMessage(role: .user, content: "old", images: [image]), ChatMessage(role: .assistant, content: "ok"),
            ChatMessage(role: .user, content: "new"),
        ]
        #expect(TurnPreparer.trim(history, characters: 1000).map(\.content) == ["ok", "new"])
        #expect(TurnPreparer.trim(history, characters: 20_000).count == 3)
    }

    /// `GET /api/v1/bots` answers from the health cache: fifty calls probe each bot at most
    /// once per `BOT_HEALTH_CACHE_SECONDS`, and none waits on a bot.
    @Test func botHealthIsProbedOncePerPeriodWhoeverAsks() async throws {
        CountedBot.probes.withLockedValue { $0 = 0 }
        try await TestApp.run(["BOTS": "counted=counted", "BOT_HEALTH_CACHE_SECONDS": "3600"]) { client, services in
            try await client.register(email: "health@example.com")
            let access = try await client.login(email: "health@example.com").access
            await services.bots.health.refresh(services.bots)
            let before = CountedBot.probes.withLockedValue { $0 }
            for _ in 0..<50 {
                let list = try await client.send(.get, "/api/v1/bots", bearer: access)
                #expect(list.status == .ok)
            }
            #expect(CountedBot.probes.withLockedValue { $0 } == before)
            #expect(before == 1)
        }
    }
}

/// Counts its health probes; answers like the echo bot otherwise.
struct CountedBot: BotProvider {
    static let probes = NIOLockedValueBox(0)

    func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        AsyncThrowingStream { continuation in
            continuation.yield(.completed(BotCompletion()))
            continuation.finish()
        }
    }

    func health() async -> BotHealth {
        Self.probes.withLockedValue { $0 += 1 }
        return .ok
    }
}

/// A bot whose health check waits until it is cancelled.
struct StubbornHealthBot: BotProvider {
    func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        AsyncThrowingStream { $0.finish() }
    }

    func health() async -> BotHealth {
        try? await Task.sleep(for: .seconds(3600))
        return .ok
    }
}
