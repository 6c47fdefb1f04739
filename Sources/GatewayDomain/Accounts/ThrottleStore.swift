import Crypto
import Foundation
import GatewayCore
import Logging
import Postgres

/// Fixed-window attempt counters, per key: in this process (`Throttle`), or in PostgreSQL
/// so that every replica counts together (`PostgresThrottle`, the default).
public protocol ThrottleStore: Sendable {
    /// Counts one attempt for `key` unless it already reached `limit`: nil when admitted
    /// (and counted), else the seconds to wait. Check and count are one step.
    func admit(_ key: String, limit: Int) async throws -> Int?
    /// Takes back one counted attempt; best effort (a failure is logged, not thrown).
    func refund(_ key: String) async
    /// Takes back one attempt of `refunded` and forgets `forgotten` (a successful login):
    /// one step where the store allows it.
    func settle(refund refunded: String, forget forgotten: String) async
}

extension Throttle: ThrottleStore {
    public func admit(_ key: String, limit: Int) async throws -> Int? { admit(key, limit: limit, now: .now) }
    public func settle(refund refunded: String, forget forgotten: String) async {
        reset(forgotten)
        refund(refunded)
    }
}

/// The counters in PostgreSQL (`throttle_windows`, migration 0009): each attempt is one
/// upsert that checks and counts under the row's lock, so two replicas enforce exactly the
/// limits of one. Costs a round trip per attempt (a login's password hash costs far more).
package struct PostgresThrottle: ThrottleStore {
    package let pool: PostgresPool
    package let window: Duration
    /// Keys the digests (from `SECRET_KEY`), so a stored row cannot be matched to an email
    /// or an address by hashing guesses.
    package let secret: SymmetricKey
    package let logger: Logger

    package init(pool: PostgresPool, window: Duration, secret: SymmetricKey, logger: Logger) {
        self.pool = pool
        self.window = window
        self.secret = secret
        self.logger = logger
    }

    /// HMAC-SHA-256 of the key, as `bytea` text: the table never holds an email or an address.
    package func digest(_ key: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data(key.utf8), using: secret)
        return "\\x" + code.map { String(format: "%02x", $0) }.joined()
    }

    package func admit(_ key: String, limit: Int) async throws -> Int? {
        let seconds = window.timeInterval
        let rows = try await pool.query(
            """
            INSERT INTO throttle_windows AS w (key, window_start, count, admitted)
            VALUES (\(digest(key)), now(), 1, true)
            ON CONFLICT (key) DO UPDATE SET
                window_start = CASE WHEN w.window_start <= now() - make_interval(secs => \(seconds))
                                    THEN now() ELSE w.window_start END,
                admitted = w.window_start <= now() - make_interval(secs => \(seconds)) OR w.count < \(limit),
                count = CASE WHEN w.window_start <= now() - make_interval(secs => \(seconds)) THEN 1
                             WHEN w.count < \(limit) THEN w.count + 1 ELSE w.count END
            RETURNING admitted,
                ceil(extract(epoch FROM w.window_start + make_interval(secs => \(seconds)) - now()))::int AS wait
            """)
        guard let row = rows.first else { return nil }
        if try row.decode("admitted", as: Bool.self) { return nil }
        return max(1, try row.decode("wait", as: Int.self))
    }

    package func refund(_ key: String) async {
        await bestEffort {
            try await pool.query(
                "UPDATE throttle_windows SET count = count - 1 WHERE key = \(digest(key)) AND count > 0")
        }
    }

    package func settle(refund refunded: String, forget forgotten: String) async {
        await bestEffort {
            try await pool.query(
                """
                WITH forgotten AS (DELETE FROM throttle_windows WHERE key = \(digest(forgotten)))
                UPDATE throttle_windows SET count = count - 1 WHERE key = \(digest(refunded)) AND count > 0
                """)
        }
    }

    /// Deletes the rows of windows that have ended.
    package func purge() async throws -> Int {
        let seconds = window.timeInterval
        return try await pool.query(
            "DELETE FROM throttle_windows WHERE window_start < now() - make_interval(secs => \(seconds))"
        ).rowsAffected
    }

    private func bestEffort(_ work: () async throws -> QueryResult) async {
        do { _ = try await work() } catch {
            logger.warning("a throttle refund failed", metadata: ["error": "\(error)"])
        }
    }
}
