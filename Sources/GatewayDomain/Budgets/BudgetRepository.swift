import Foundation
import GatewayCore
import Postgres

/// Budgets in PostgreSQL, shared by every replica. A reservation is one statement that locks
/// the budgets binding a call (in id order, so concurrent reservations cannot deadlock),
/// checks that its worst case fits every one of them, and holds it; settling releases the
/// hold and charges what the call used.
public protocol BudgetRepository: Sendable {
    /// The budgets of a user (its own and its keys').
    func rules(userID: Int) async throws -> [BudgetRule]
    /// One budget of anyone's, or none when there is no budget at all.
    func anyBudget() async throws -> [BudgetRule]
    /// Reserves `tokens` against token budgets and `costNanos` against cost budgets of the
    /// user and of `keyID` for at most `ttl`; nil when admitted, else the seconds until the
    /// period of a budget it does not fit renews.
    func reserve(holdID: UUID, userID: Int, keyID: UUID?, tokens: Int, costNanos: Int, ttl: Duration) async throws -> Int?
    /// Releases the holds and charges what each call used, in one transaction. A hold no
    /// longer there (expired, and so charged in full; or settled by a write whose reply was
    /// lost) is not charged again.
    func settle(_ settlements: [BudgetSettlement]) async throws
    /// Releases holds past their expiry (of gateways that died, or settlements lost) and
    /// charges each in full, since what its call used is unknown; returns how many.
    func releaseExpired() async throws -> Int
    /// Budgets of one user, or of everyone, by user then creation.
    func list(userID: Int?) async throws -> [Budget]
    /// Creates the budget (counting the period's usage recorded so far as spent), or changes
    /// the limit of the one with the same user, key, unit and period; nil when the user, or
    /// the key among the user's, does not exist.
    func put(userID: Int, keyID: UUID?, unit: BudgetUnit, period: BudgetPeriod, limit: Int) async throws -> Budget?
    /// Deletes a budget; false when there was none.
    func delete(id: UUID) async throws -> Bool
}

/// `BudgetRepository` on PostgreSQL.
package struct PostgresBudgetRepository: BudgetRepository {
    package let pool: PostgresPool

    package init(pool: PostgresPool) {
        self.pool = pool
    }

    /// The first day of the budget's current period (UTC).
    package static let current: SQL = """
        (CASE period WHEN 'day' THEN (now() AT TIME ZONE 'UTC')::date
                     ELSE date_trunc('month', now() AT TIME ZONE 'UTC')::date END)
        """
    /// The first day after it.
    package static let next: SQL = """
        (CASE period WHEN 'day' THEN (now() AT TIME ZONE 'UTC')::date + 1
                     ELSE (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month')::date END)
        """
    /// This period's spend: a period only moves forward (a statement that started before
    /// midnight and ran after one that renewed the period neither resets nor rewinds it).
    package static let spentNow: SQL = "(CASE WHEN period_start >= \(current) THEN spent ELSE 0 END)"
    package static let startNow: SQL = "greatest(period_start, \(current))"

    package func rules(userID: Int) async throws -> [BudgetRule] {
        try await pool.query("SELECT id, key_id, unit FROM budgets WHERE user_id = \(userID)").rows.map(Self.rule)
    }

    package func anyBudget() async throws -> [BudgetRule] {
        try await pool.query("SELECT id, key_id, unit FROM budgets LIMIT 1").rows.map(Self.rule)
    }

    private static func rule(_ row: Row) throws -> BudgetRule {
        BudgetRule(
            id: try row.decode("id"), keyID: try row.decodeIfPresent("key_id"),
            unit: BudgetUnit(rawValue: try row.decode("unit")) ?? .tokens)
    }

    package func reserve(holdID: UUID, userID: Int, keyID: UUID?, tokens: Int, costNanos: Int, ttl: Duration) async throws -> Int?
    {
        let row = try await pool.query(
            """
            WITH b AS (
                SELECT id, amount_limit, reserved, \(Self.spentNow) AS spent, \(Self.startNow) AS start,
                       CASE unit WHEN 'tokens' THEN \(tokens)::bigint ELSE \(costNanos)::bigint END AS amount,
                       ceil(extract(epoch FROM \(Self.next)::timestamp - (now() AT TIME ZONE 'UTC')))::int AS renews_in
                FROM budgets WHERE user_id = \(userID) AND (key_id IS NULL OR key_id = \(keyID)::uuid)
                ORDER BY id FOR UPDATE
            ), verdict AS (
                SELECT coalesce(bool_and(spent + reserved + amount <= amount_limit), true) AS fits,
                       coalesce(max(renews_in) FILTER (WHERE spent + reserved + amount > amount_limit), 0) AS wait
                FROM b
            ), held AS (
                INSERT INTO budget_holds (hold_id, budget_id, amount, expires_at)
                SELECT \(holdID), id, amount, now() + make_interval(secs => \(ttl.timeInterval)) FROM b
                WHERE (SELECT fits FROM verdict)
            ), reserved AS (
                UPDATE budgets SET reserved = b.reserved + b.amount, spent = b.spent, period_start = b.start
                FROM b WHERE budgets.id = b.id AND (SELECT fits FROM verdict)
            )
            SELECT fits, wait FROM verdict
            """
        ).first
        guard let row, try row.decode("fits", as: Bool.self) == false else { return nil }
        return max(1, try row.decode("wait", as: Int.self))
    }

    package func settle(_ settlements: [BudgetSettlement]) async throws {
        guard settlements.isEmpty == false else { return }
        func column(_ value: (BudgetSettlement) -> any SQLEncodable) -> PostgresArray { PostgresArray(settlements.map(value)) }
        let holds = column(\.holdID)
        try await pool.withTransaction { transaction in
            // The budgets first, in id order (as reservations lock them): no deadlock.
            _ = try await transaction.query(
                """
                SELECT id FROM budgets WHERE id IN (SELECT budget_id FROM budget_holds WHERE hold_id = ANY(\(holds)::uuid[]))
                ORDER BY id FOR UPDATE
                """)
            _ = try await transaction.query(
                """
                WITH s AS (
                    SELECT * FROM unnest(\(holds)::uuid[], \(column(\.tokens))::bigint[], \(column(\.costNanos))::bigint[])
                        AS s(hold, tokens, cost)
                ), gone AS (
                    DELETE FROM budget_holds h USING s WHERE h.hold_id = s.hold
                    RETURNING h.budget_id, h.amount, s.tokens, s.cost
                ), settled AS (
                    SELECT g.budget_id AS id, sum(g.amount) AS released,
                           sum(CASE b.unit WHEN 'tokens' THEN g.tokens ELSE g.cost END) AS charged
                    FROM gone g JOIN budgets b ON b.id = g.budget_id GROUP BY g.budget_id
                )
                UPDATE budgets SET reserved = greatest(reserved - settled.released, 0),
                                   spent = \(Self.spentNow) + settled.charged, period_start = \(Self.startNow)
                FROM settled WHERE budgets.id = settled.id
                """)
        }
    }

    package func releaseExpired() async throws -> Int {
        try await pool.withTransaction { transaction in
            let locked = try await transaction.query(
                """
                SELECT id FROM budgets WHERE id IN (SELECT budget_id FROM budget_holds WHERE expires_at < now())
                ORDER BY id FOR UPDATE
                """)
            guard locked.count > 0 else { return 0 }
            let ids = PostgresArray(try locked.rows.map { try $0.decode("id", as: UUID.self) })
            return try await transaction.query(
                """
                WITH gone AS (
                    DELETE FROM budget_holds WHERE expires_at < now() AND budget_id = ANY(\(ids)::uuid[])
                    RETURNING budget_id, amount
                ), released AS (
                    SELECT budget_id AS id, sum(amount) AS amount, count(*) AS holds FROM gone GROUP BY budget_id
                ), updated AS (
                    UPDATE budgets SET reserved = greatest(reserved - released.amount, 0),
                                       spent = \(Self.spentNow) + released.amount, period_start = \(Self.startNow)
                    FROM released WHERE budgets.id = released.id
                )
                SELECT coalesce(sum(holds), 0)::int AS n FROM released
                """
            ).first?.decode("n") ?? 0
        }
    }

    package func list(userID: Int?) async throws -> [Budget] {
        try await pool.query(
            """
            SELECT \(Self.columns) FROM budgets WHERE \(userID)::int IS NULL OR user_id = \(userID)
            ORDER BY user_id, created_at, id LIMIT 10000
            """
        ).rows.map(Self.budget)
    }

    package func put(userID: Int, keyID: UUID?, unit: BudgetUnit, period: BudgetPeriod, limit: Int) async throws -> Budget? {
        try await pool.query(
            """
            WITH start AS (
                SELECT CASE \(period.rawValue)::text WHEN 'day' THEN (now() AT TIME ZONE 'UTC')::date
                            ELSE date_trunc('month', now() AT TIME ZONE 'UTC')::date END AS day
            )
            INSERT INTO budgets AS b (id, user_id, key_id, unit, period, amount_limit, period_start, spent)
            SELECT \(UUID.random()), users.id, \(keyID)::uuid, \(unit.rawValue), \(period.rawValue), \(limit), start.day,
                   -- A new budget counts the period's usage recorded so far.
                   CASE WHEN \(keyID)::uuid IS NULL THEN
                       (SELECT coalesce(sum(CASE \(unit.rawValue)::text WHEN 'tokens' THEN input_tokens + output_tokens
                                                                      ELSE cost_nanos END), 0)::bigint
                        FROM usage_daily u WHERE u.user_id = users.id AND u.day >= start.day)
                   ELSE
                       (SELECT coalesce(sum(CASE \(unit.rawValue)::text WHEN 'tokens' THEN input_tokens + output_tokens
                                                                      ELSE cost_nanos END), 0)::bigint
                        FROM usage_by_key u WHERE u.key_id = \(keyID)::uuid AND u.day >= start.day)
                   END
            FROM users, start WHERE users.id = \(userID)
              AND (\(keyID)::uuid IS NULL OR EXISTS (SELECT 1 FROM api_keys WHERE id = \(keyID)::uuid AND user_id = users.id))
            ON CONFLICT (user_id, coalesce(key_id, '00000000-0000-0000-0000-000000000000'), unit, period)
                DO UPDATE SET amount_limit = EXCLUDED.amount_limit
            RETURNING \(Self.columns)
            """
        ).rows.first.map(Self.budget)
    }

    package func delete(id: UUID) async throws -> Bool {
        try await pool.query("DELETE FROM budgets WHERE id = \(id)").rowsAffected == 1
    }

    private static let columns: SQL = """
        id, user_id, key_id, unit, period, amount_limit, reserved, \(spentNow) AS spent,
        to_char(\(current), 'YYYY-MM-DD') AS period_start, to_char(\(next), 'YYYY-MM-DD') AS period_end
        """

    private static func budget(_ row: Row) throws -> Budget {
        Budget(
            id: try row.decode("id"), userID: try row.decode("user_id"), keyID: try row.decodeIfPresent("key_id"),
            unit: BudgetUnit(rawValue: try row.decode("unit")) ?? .tokens,
            period: BudgetPeriod(rawValue: try row.decode("period")) ?? .day, limit: try row.decode("amount_limit"),
            spent: try row.decode("spent"), reserved: try row.decode("reserved"),
            periodStart: try row.decode("period_start"), periodEnd: try row.decode("period_end"))
    }
}
