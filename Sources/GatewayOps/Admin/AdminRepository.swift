import Foundation
import GatewayCore
import GatewayDomain
import GatewayHTTP
import Postgres

/// A user as administrators list it.
public struct AdminUser: Codable, Sendable, Equatable {
    public let id: Int
    public let name: String
    public let email: String
    public let isAdmin: Bool
    public let disabled: Bool

    package enum CodingKeys: String, CodingKey {
        case id, name, email, disabled
        case isAdmin = "is_admin"
    }

    /// Every member (the memberwise initializer, open to the package's other stores).
    package init(id: Int, name: String, email: String, isAdmin: Bool, disabled: Bool) {
        self.id = id
        self.name = name
        self.email = email
        self.isAdmin = isAdmin
        self.disabled = disabled
    }
}

/// One row of usage: a user's calls to one bot on one UTC day (all of them, or with one API
/// key: `keyID`), with their cost in `COST_CURRENCY`.
public struct AdminUsageRow: Encodable, Sendable, Equatable {
    public let userID: Int
    public let email: String
    public let bot: String
    public let keyID: UUID?
    public let day: String
    public let requests: Int
    public let inputTokens: Int
    public let outputTokens: Int
    public let cachedInputTokens: Int
    public let costNanos: Int

    package enum CodingKeys: String, CodingKey {
        case email, bot, day, requests, cost
        case userID = "user_id"
        case keyID = "key_id"
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case cachedInputTokens = "cached_input_tokens"
    }

    public init(
        userID: Int, email: String, bot: String, keyID: UUID?, day: String, requests: Int, inputTokens: Int,
        outputTokens: Int, cachedInputTokens: Int, costNanos: Int
    ) {
        self.userID = userID
        self.email = email
        self.bot = bot
        self.keyID = keyID
        self.day = day
        self.requests = requests
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cachedInputTokens = cachedInputTokens
        self.costNanos = costNanos
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(userID, forKey: .userID)
        try c.encode(email, forKey: .email)
        try c.encode(bot, forKey: .bot)
        try c.encodeIfPresent(keyID?.lowercasedString, forKey: .keyID)
        try c.encode(day, forKey: .day)
        try c.encode(requests, forKey: .requests)
        try c.encode(inputTokens, forKey: .inputTokens)
        try c.encode(outputTokens, forKey: .outputTokens)
        try c.encode(cachedInputTokens, forKey: .cachedInputTokens)
        try c.encode(Money.units(costNanos), forKey: .cost)
    }
}

/// What administrators read and change.
public protocol AdminRepository: Sendable {
    /// Whether `userID` is an enabled administrator (read fresh: a revocation holds at once).
    func isAdmin(userID: Int) async throws -> Bool
    /// Grants or revokes administration by email; false when no user has it.
    func setAdmin(email: String, _ admin: Bool) async throws -> Bool
    /// Users whose name or email contains `search` (any case), by id, after `after`.
    func users(search: String?, limit: Int, after: Int?) async throws -> [AdminUser]
    /// Disables (revoking every refresh token in the same statement) or enables a user;
    /// false when there is no such user.
    func setDisabled(userID: Int, _ disabled: Bool) async throws -> Bool
    /// Deletes a user and everything it owns; false when there is no such user.
    func delete(userID: Int) async throws -> Bool
    /// Usage per user, bot and day between two days (UTC), newest first; and the calls made
    /// with API keys, per key.
    func usage(from: String, to: String, userID: Int?) async throws -> (all: [AdminUsageRow], byKey: [AdminUsageRow])
    /// The last `days` days (today included, UTC), oldest first, zero-filled.
    func daily(days: Int) async throws -> [DailyStats]
    /// The newest keys of every user (at most `limit`).
    func keys(limit: Int) async throws -> [AdminKey]
}

/// `AdminRepository` on PostgreSQL.
package struct PostgresAdminRepository: AdminRepository {
    package let pool: PostgresPool
    /// `ADMIN_EMAILS`, lower-cased: when not empty, only these of the accounts an operator
    /// granted on the host are administrators. It never makes one: a stranger could
    /// register a listed address first, since emails are not verified.
    package var confirmedEmails: Set<String> = []
    /// Where reports (usage, daily figures, keys) may be read, if anywhere but `pool`.
    package var reads: ReplicaReads?

    package init(pool: PostgresPool, confirmedEmails: Set<String> = [], reads: ReplicaReads? = nil) {
        self.pool = pool
        self.confirmedEmails = confirmedEmails
        self.reads = reads
    }

    /// Runs a report over every user: on the standby while it keeps up.
    func report(_ query: SQL) async throws -> QueryResult {
        try await reads.read(for: nil, else: pool) { try await $0.query(query) }
    }

    package func isAdmin(userID: Int) async throws -> Bool {
        let result = try await pool.query(
            "SELECT lower(email) AS email FROM users WHERE id = \(userID) AND is_admin AND disabled_at IS NULL")
        guard let row = result.first else { return false }
        return try confirmedEmails.isEmpty || confirmedEmails.contains(row.decode("email", as: String.self))
    }

    package func setAdmin(email: String, _ admin: Bool) async throws -> Bool {
        try await pool.query("UPDATE users SET is_admin = \(admin) WHERE lower(email) = lower(\(email))").rowsAffected > 0
    }

    package func users(search: String?, limit: Int, after: Int?) async throws -> [AdminUser] {
        let pattern = search.map {
            "%"
                + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
        }
        let result = try await pool.query(
            """
            SELECT id, name, email, is_admin, disabled_at IS NOT NULL AS disabled FROM users
            WHERE id > \(after ?? 0) AND (\(pattern)::text IS NULL OR name ILIKE \(pattern) OR email ILIKE \(pattern))
            ORDER BY id LIMIT \(limit)
            """)
        return try result.rows.map { row in
            AdminUser(
                id: try row.decode("id"), name: try row.decode("name"), email: try row.decode("email"),
                isAdmin: try row.decode("is_admin"), disabled: try row.decode("disabled"))
        }
    }

    package func setDisabled(userID: Int, _ disabled: Bool) async throws -> Bool {
        let result = try await pool.query(
            """
            WITH revoked AS (
                UPDATE refresh_tokens SET revoked = true WHERE \(disabled) AND user_id = \(userID) AND NOT revoked
            ), ended AS (
                UPDATE auth_sessions SET revoked_at = now() WHERE \(disabled) AND user_id = \(userID) AND revoked_at IS NULL
            )
            UPDATE users SET disabled_at = CASE WHEN \(disabled) THEN coalesce(disabled_at, now()) END WHERE id = \(userID)
            """)
        return result.rowsAffected == 1
    }

    package func delete(userID: Int) async throws -> Bool {
        // The reference schema's refresh_tokens does not cascade: its rows go in the same statement.
        try await pool.query(
            "WITH tokens AS (DELETE FROM refresh_tokens WHERE user_id = \(userID)) DELETE FROM users WHERE id = \(userID)"
        ).rowsAffected == 1
    }

    package func usage(from: String, to: String, userID: Int?) async throws -> (all: [AdminUsageRow], byKey: [AdminUsageRow]) {
        func rows(_ table: SQL, key: SQL) async throws -> [AdminUsageRow] {
            try await report(
                """
                SELECT u.user_id, users.email, u.bot, \(key) AS key_id, u.day::text AS day, u.requests, u.input_tokens,
                       u.output_tokens, u.cached_input_tokens, u.cost_nanos
                FROM \(table) u JOIN users ON users.id = u.user_id
                WHERE u.day BETWEEN \(from)::date AND \(to)::date AND (\(userID)::int IS NULL OR u.user_id = \(userID))
                ORDER BY u.day DESC, u.user_id, u.bot, key_id LIMIT 10000
                """
            ).rows.map { row in
                AdminUsageRow(
                    userID: try row.decode("user_id"), email: try row.decode("email"), bot: try row.decode("bot"),
                    keyID: try row.decodeIfPresent("key_id"), day: try row.decode("day"), requests: try row.decode("requests"),
                    inputTokens: try row.decode("input_tokens"), outputTokens: try row.decode("output_tokens"),
                    cachedInputTokens: try row.decode("cached_input_tokens"), costNanos: try row.decode("cost_nanos"))
            }
        }
        return (try await rows("usage_daily", key: "NULL::uuid"), try await rows("usage_by_key", key: "u.key_id"))
    }
}
