import Foundation
import GatewayCore
import GatewayDomain
import GatewayHTTP
import Postgres

/// One UTC day of all users' traffic, for the console's overview.
public struct DailyStats: Sendable, Equatable {
    public let day: String
    public let requests: Int
    public let costNanos: Int
    /// Stored answers that did not end well (failed or partial), and the median latency of
    /// stored answers in milliseconds (nil: none that day).
    public let errors: Int
    public let medianLatencyMs: Double?

    /// Every member (the memberwise initializer, open to the package's other stores).
    package init(day: String, requests: Int, costNanos: Int, errors: Int, medianLatencyMs: Double?) {
        self.day = day
        self.requests = requests
        self.costNanos = costNanos
        self.errors = errors
        self.medianLatencyMs = medianLatencyMs
    }
}

/// An API key as administrators list it, with its owner.
public struct AdminKey: Sendable, Equatable {
    public let id: UUID
    public let userID: Int
    public let email: String
    public let name: String
    public let prefix: String
    public let scope: APIKeyScope
    /// The bots it may call (nil: every bot).
    public let bots: [String]?
    public let createdAt: String
    public let lastUsedAt: String?
    public let state: String

    /// Every member (the memberwise initializer, open to the package's other stores).
    package init(
        id: UUID, userID: Int, email: String, name: String, prefix: String, scope: APIKeyScope, bots: [String]?,
        createdAt: String, lastUsedAt: String?, state: String
    ) {
        self.id = id
        self.userID = userID
        self.email = email
        self.name = name
        self.prefix = prefix
        self.scope = scope
        self.bots = bots
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.state = state
    }
}

extension PostgresAdminRepository {
    package func daily(days: Int) async throws -> [DailyStats] {
        try await report(
            """
            WITH days AS (
                SELECT generate_series((now() AT TIME ZONE 'UTC')::date - \(days - 1)::int, (now() AT TIME ZONE 'UTC')::date,
                                       interval '1 day')::date AS day
            ), usage AS (
                SELECT day, sum(requests)::bigint AS requests, sum(cost_nanos)::bigint AS cost FROM usage_daily
                WHERE day >= (now() AT TIME ZONE 'UTC')::date - \(days - 1)::int GROUP BY day
            ), answers AS (
                SELECT (created_at AT TIME ZONE 'UTC')::date AS day,
                       count(*) FILTER (WHERE status IS DISTINCT FROM 'ok') AS errors,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS median
                FROM messages
                WHERE role = 'assistant'
                  AND created_at >= ((now() AT TIME ZONE 'UTC')::date - \(days - 1)::int)::timestamp AT TIME ZONE 'UTC'
                GROUP BY 1
            )
            SELECT to_char(days.day, 'YYYY-MM-DD') AS day, coalesce(usage.requests, 0)::bigint AS requests,
                   coalesce(usage.cost, 0)::bigint AS cost, coalesce(answers.errors, 0)::bigint AS errors,
                   answers.median::float8 AS median
            FROM days LEFT JOIN usage USING (day) LEFT JOIN answers USING (day) ORDER BY days.day
            """
        ).rows.map { row in
            DailyStats(
                day: try row.decode("day"), requests: try row.decode("requests"), costNanos: try row.decode("cost"),
                errors: try row.decode("errors"), medianLatencyMs: try row.decodeIfPresent("median"))
        }
    }

    package func keys(limit: Int) async throws -> [AdminKey] {
        try await report(
            """
            SELECT k.id, k.user_id, u.email, k.name, k.prefix, k.scope, array_to_string(k.bots, ', ') AS bots,
                   to_char(k.created_at, 'YYYY-MM-DD HH24:MI') AS created,
                   to_char(k.last_used_at, 'YYYY-MM-DD HH24:MI') AS used,
                   CASE WHEN k.revoked_at IS NOT NULL THEN 'revoked'
                        WHEN k.expires_at IS NOT NULL AND k.expires_at <= now() THEN 'expired' ELSE 'active' END AS state
            FROM api_keys k JOIN users u ON u.id = k.user_id ORDER BY k.created_at DESC, k.id LIMIT \(limit)
            """
        ).rows.map { row in
            AdminKey(
                id: try row.decode("id"), userID: try row.decode("user_id"), email: try row.decode("email"),
                name: try row.decode("name"), prefix: try row.decode("prefix"),
                scope: APIKeyScope(rawValue: try row.decode("scope")) ?? .inference,
                bots: (try row.decodeIfPresent("bots") as String?)?.components(separatedBy: ", "),
                createdAt: try row.decode("created"),
                lastUsedAt: try row.decodeIfPresent("used"), state: try row.decode("state"))
        }
    }
}
