import Foundation
import GatewayCore
import Logging
import Postgres

/// Keeps the monthly partitions of the history tables (migration 0017): creates the months
/// ahead, and drops whole months of `messages` past `MESSAGES_RETENTION_DAYS`.
package struct HistoryPartitions: Sendable {
    /// The partitioned tables, each kept three months ahead.
    package static let tables = ["messages", "usage_daily", "usage_by_key"]
    package static let ahead = "3 months"

    package let pool: PostgresPool
    /// Zero keeps every message.
    package let messagesRetention: Duration
    package let logger: Logger

    package init(pool: PostgresPool, messagesRetention: Duration, logger: Logger) {
        self.pool = pool
        self.messagesRetention = messagesRetention
        self.logger = logger
    }

    /// One round; returns the partitions created and dropped. Idempotent, and safe while
    /// another replica runs it (creation and drops take the parent's lock in turn).
    @discardableResult
    package func maintain(now: Date = Date()) async throws -> (created: Int, dropped: [String]) {
        var created = 0
        for table in Self.tables {
            let made = try await pool.query(
                "SELECT gateway_create_partitions(\(table)::regclass, \(Self.ahead)::interval) AS n")
            created += try made.first?.decode("n", as: Int.self) ?? 0
        }
        var dropped: [String] = []
        if messagesRetention > .zero {
            let cutoff = now.addingTimeInterval(-messagesRetention.timeInterval)
            let gone = try await pool.query("SELECT gateway_drop_partitions('messages'::regclass, \(cutoff)) AS name")
            dropped = try gone.rows.map { try $0.decode("name", as: String.self) }
        }
        if created > 0 || dropped.isEmpty == false {
            logger.info(
                "history partitions kept", metadata: ["created": "\(created)", "dropped": "\(dropped.joined(separator: ","))"])
        }
        return (created, dropped)
    }
}
