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

    /// One round; returns the partitions created and dropped. Each table on its own (one
    /// failing leaves the others kept); replicas take turns (a transaction-scoped lock in
    /// the functions); creation and drops wait at most a second for the parent's lock.
    @discardableResult
    package func maintain(now: Date = Date()) async throws -> (created: Int, dropped: [String]) {
        var created = 0
        var failure: (any Error)?
        for table in Self.tables {
            do {
                let made = try await pool.query(
                    "SELECT gateway_create_partitions(\(table)::regclass, \(Self.ahead)::interval) AS n, now() AS at")
                created += try made.first?.decode("n", as: Int.self) ?? 0
                try warnOfSkew(made.first?.decode("at", as: Date.self), now: now)
            } catch {
                failure = error
            }
        }
        var dropped: [String] = []
        if messagesRetention > .zero {
            let cutoff = now.addingTimeInterval(-messagesRetention.timeInterval)
            do {
                let gone = try await pool.query("SELECT gateway_drop_partitions('messages'::regclass, \(cutoff)) AS name")
                dropped = try gone.rows.map { try $0.decode("name", as: String.self) }
            } catch {
                failure = error
            }
        }
        if created > 0 || dropped.isEmpty == false {
            logger.info(
                "history partitions kept", metadata: ["created": "\(created)", "dropped": "\(dropped.joined(separator: ","))"])
        }
        if let failure { throw failure }
        return (created, dropped)
    }

    /// Turns stamp their messages with this host's clock (the partition key): a clock far
    /// from the database's is worth an operator's look.
    private func warnOfSkew(_ databaseNow: Date?, now: Date) {
        guard let databaseNow, abs(databaseNow.timeIntervalSince(now)) > 60 else { return }
        logger.warning(
            "this host's clock is more than a minute from the database's: messages are stamped with this host's time",
            metadata: ["skew_seconds": "\(Int(now.timeIntervalSince(databaseNow)))"])
    }
}
