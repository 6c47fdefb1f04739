import BotKit
import Foundation
import GatewayCore
import Postgres

/// Token usage of one user, bot and day.
public struct UsageRow: Codable, Sendable, Equatable {
    public let day: String
    public let bot: String
    public let requests: Int
    public let inputTokens: Int
    public let outputTokens: Int

    package enum CodingKeys: String, CodingKey {
        case day, bot, requests
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
    }

    /// Every member (the memberwise initializer, open to the package's other stores).
    package init(day: String, bot: String, requests: Int, inputTokens: Int, outputTokens: Int) {
        self.day = day
        self.bot = bot
        self.requests = requests
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }
}

/// Calls of one user, bot and API key (nil: an access token) to add to today's usage.
public struct UsageEntry: Sendable, Equatable {
    public var userID: Int
    public var bot: String
    public var keyID: UUID?
    public var requests: Int
    public var inputTokens: Int
    public var outputTokens: Int
    public var cachedInputTokens: Int = 0
    /// In nanos of `COST_CURRENCY` (`BotPrice`).
    public var costNanos: Int = 0

    /// One call's usage.
    package init(userID: Int, bot: String, keyID: UUID?, tokens: TokenUsage, costNanos: Int) {
        self.userID = userID
        self.bot = bot
        self.keyID = keyID
        self.requests = 1
        self.inputTokens = tokens.inputTokens
        self.outputTokens = tokens.outputTokens
        self.cachedInputTokens = tokens.cachedInputTokens ?? 0
        self.costNanos = costNanos
    }

    /// Adds another entry's counts.
    package mutating func add(_ other: UsageEntry) {
        requests += other.requests
        inputTokens += other.inputTokens
        outputTokens += other.outputTokens
        cachedInputTokens += other.cachedInputTokens
        costNanos += other.costNanos
    }
}

/// Usage accounting and quota counters, in PostgreSQL so every replica shares them.
public protocol UsageRepository: Sendable {
    /// Adds calls to the users' rows for their bots and today (UTC), in one statement.
    func record(_ entries: [UsageEntry]) async throws
    /// Rows between two days (inclusive), by day then bot.
    func usage(userID: Int, from: String, to: String) async throws -> [UsageRow]
    /// Leases `count` requests of the minute starting at `minute`; returns how many all
    /// replicas leased in that minute, these included (counted up to `limit + count`, so
    /// refused requests cannot grow the counter without bound).
    func leaseRequests(userID: Int, minute: Date, count: Int, limit: Int) async throws -> Int
    /// Tokens used today (UTC, on the database's clock, which also dates recorded usage)
    /// across bots, and the seconds left until that day ends.
    func tokensToday(userID: Int) async throws -> (used: Int, secondsLeft: Int)
}

/// `UsageRepository` on PostgreSQL.
package struct PostgresUsageRepository: UsageRepository {
    package let pool: PostgresPool
    /// Where usage reports may be read (a standby that keeps up), if anywhere but `pool`.
    package let reads: ReplicaReads?

    package init(pool: PostgresPool, reads: ReplicaReads? = nil) {
        self.pool = pool
        self.reads = reads
    }

    package func record(_ entries: [UsageEntry]) async throws {
        guard entries.isEmpty == false else { return }
        func column(_ value: (UsageEntry) -> any SQLEncodable) -> PostgresArray { PostgresArray(entries.map(value)) }
        _ = try await pool.query(
            """
            WITH usage_src AS (
                SELECT b.* FROM unnest(\(column(\.userID))::int[], \(column(\.bot))::text[], \(column(\.keyID))::uuid[],
                                       \(column(\.requests))::int[], \(column(\.inputTokens))::bigint[],
                                       \(column(\.outputTokens))::bigint[], \(column(\.cachedInputTokens))::bigint[],
                                       \(column(\.costNanos))::bigint[])
                    AS b(uid, bot, key, requests, input, output, cached, cost)
                -- A user deleted since the calls takes their usage along (never a failed batch).
                JOIN users ON users.id = b.uid
            ), \(Self.upserts)
            SELECT 1 AS done
            """)
    }

    /// Two CTEs adding the rows of a CTE named `usage_src` — (user id, bot, key id or NULL,
    /// requests, input tokens, output tokens, cached input tokens, cost in nanos) — to today's
    /// (UTC) usage: per user and bot in `usage_daily`, and per key and bot in `usage_by_key`
    /// for calls made with a key. Also used inside the statement that stores chat turns.
    package static let upserts: SQL = """
        usage_all AS (
            INSERT INTO usage_daily (user_id, bot, day, requests, input_tokens, output_tokens, cached_input_tokens, cost_nanos)
            SELECT uid, bot, (now() AT TIME ZONE 'UTC')::date, sum(requests)::int, sum(input)::bigint, sum(output)::bigint,
                   sum(cached)::bigint, sum(cost)::bigint
            FROM usage_src GROUP BY uid, bot ORDER BY uid, bot
            ON CONFLICT (user_id, day, bot) DO UPDATE SET
                requests = usage_daily.requests + EXCLUDED.requests,
                input_tokens = usage_daily.input_tokens + EXCLUDED.input_tokens,
                output_tokens = usage_daily.output_tokens + EXCLUDED.output_tokens,
                cached_input_tokens = usage_daily.cached_input_tokens + EXCLUDED.cached_input_tokens,
                cost_nanos = usage_daily.cost_nanos + EXCLUDED.cost_nanos
        ), usage_keys AS (
            INSERT INTO usage_by_key (key_id, day, bot, user_id, requests, input_tokens, output_tokens, cached_input_tokens,
                                      cost_nanos)
            SELECT key, (now() AT TIME ZONE 'UTC')::date, bot, min(uid), sum(requests)::int, sum(input)::bigint,
                   sum(output)::bigint, sum(cached)::bigint, sum(cost)::bigint
            FROM usage_src WHERE key IS NOT NULL GROUP BY key, bot ORDER BY key, bot
            ON CONFLICT (key_id, day, bot) DO UPDATE SET
                requests = usage_by_key.requests + EXCLUDED.requests,
                input_tokens = usage_by_key.input_tokens + EXCLUDED.input_tokens,
                output_tokens = usage_by_key.output_tokens + EXCLUDED.output_tokens,
                cached_input_tokens = usage_by_key.cached_input_tokens + EXCLUDED.cached_input_tokens,
                cost_nanos = usage_by_key.cost_nanos + EXCLUDED.cost_nanos
        )
        """

    package func usage(userID: Int, from: String, to: String) async throws -> [UsageRow] {
        let query: SQL = """
            SELECT to_char(day, 'YYYY-MM-DD') AS day, bot, requests, input_tokens, output_tokens FROM usage_daily
            WHERE user_id = \(userID) AND day BETWEEN \(from)::date AND \(to)::date ORDER BY day, bot
            """
        let result = try await reads.read(for: userID, else: pool) { try await $0.query(query) }
        return try result.rows.map { row in
            UsageRow(
                day: try row.decode("day"), bot: try row.decode("bot"), requests: try row.decode("requests"),
                inputTokens: try row.decode("input_tokens"), outputTokens: try row.decode("output_tokens"))
        }
    }

    package func leaseRequests(userID: Int, minute: Date, count: Int, limit: Int) async throws -> Int {
        let result = try await pool.query(
            """
            WITH counted AS (
                INSERT INTO request_counters (user_id, minute, requests) VALUES (\(userID), \(minute)::timestamptz, \(count))
                ON CONFLICT (user_id, minute) DO UPDATE
                    SET requests = least(request_counters.requests + EXCLUDED.requests, \(limit + count))
                RETURNING requests
            ), pruned AS (
                DELETE FROM request_counters WHERE user_id = \(userID) AND minute < \(minute)::timestamptz - interval '5 minutes'
            )
            SELECT requests FROM counted
            """)
        return try result.first?.decode("requests") ?? 0
    }

    package func tokensToday(userID: Int) async throws -> (used: Int, secondsLeft: Int) {
        let row = try await pool.query(
            """
            SELECT coalesce(sum(input_tokens + output_tokens), 0)::bigint AS used,
                   ceil(extract(epoch FROM (date_trunc('day', now() AT TIME ZONE 'UTC') + interval '1 day')
                        - (now() AT TIME ZONE 'UTC')))::int AS seconds_left
              FROM usage_daily WHERE user_id = \(userID) AND day = (now() AT TIME ZONE 'UTC')::date
            """
        ).first
        return (try row?.decode("used") ?? 0, try row?.decode("seconds_left") ?? 1)
    }
}
