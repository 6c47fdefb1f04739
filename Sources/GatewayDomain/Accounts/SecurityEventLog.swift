import BotKit
import BoundedJSON
import Foundation
import GatewayCore
import Logging
import Metrics
import NIOConcurrencyHelpers
import Postgres

/// One stored security event.
public struct SecurityEventRecord: Codable, Sendable, Equatable {
    public let id: Int
    public let at: Date
    public let kind: String
    public let userID: Int?
    public let ip: String?
    /// The rest of the event's fields (tokens masked), as text.
    public let detail: [String: String]

    package enum CodingKeys: String, CodingKey {
        case id, at, kind, ip, detail
        case userID = "user_id"
    }
}

/// Security events written to PostgreSQL in batches, off the request path (once a second
/// and at shutdown). Bounded: at most `capacity` events wait; beyond, the oldest are dropped
/// and counted (`gateway_security_events_dropped_total`); the log line of each event stays.
package final class SecurityEventLog: BatchWriter, Sendable {
    package struct Pending: Sendable {
        package let at: Date
        package let kind: String
        package let userID: Int?
        package let ip: String?
        package let detail: String
    }

    package let pool: PostgresPool
    package let interval: Duration
    package let logs: DampedLog
    package let gate = FlushGate()
    package let capacity: Int
    private let pending = NIOLockedValueBox<[Pending]>([])

    package init(pool: PostgresPool, interval: Duration = .seconds(1), capacity: Int = 10_000, logs: DampedLog) {
        self.pool = pool
        self.interval = interval
        self.capacity = capacity
        self.logs = logs
    }

    /// Queues one event; `metadata`'s `user_id` and `ip` become columns, the rest `detail`.
    package func note(_ kind: String, _ metadata: Logger.Metadata) {
        var detail = metadata.mapValues { "\($0)".replacingNUL }
        let userID = detail.removeValue(forKey: "user_id").flatMap { Int($0) }
        let ip = detail.removeValue(forKey: "ip").map { $0.prefix(codePoints: 64) }
        detail["event"] = nil
        let json = JSONValue.object(detail.mapValues(JSONValue.string)).jsonBytes
        let event = Pending(at: Date(), kind: kind, userID: userID, ip: ip, detail: String(decoding: json, as: UTF8.self))
        let dropped = pending.withLockedValue { pending -> Int in
            pending.append(event)
            let excess = pending.count - capacity
            if excess > 0 { pending.removeFirst(excess) }
            return max(0, excess)
        }
        if dropped > 0 { Counter(label: "gateway_security_events_dropped_total").increment(by: dropped) }
    }

    package func writeBatch() async {
        let batch = pending.withLockedValue { pending in
            defer { pending.removeAll() }
            return pending
        }
        guard batch.isEmpty == false else { return }
        func column(_ value: (Pending) -> any SQLEncodable) -> PostgresArray { PostgresArray(batch.map(value)) }
        await write(
            "recording security events",
            body: {
                _ = try await pool.query(
                    """
                    INSERT INTO security_events (at, kind, user_id, ip, detail)
                    SELECT * FROM unnest(\(column(\.at))::timestamptz[], \(column(\.kind))::text[],
                                         \(column(\.userID))::int[], \(column(\.ip))::text[], \(column(\.detail))::jsonb[])
                    """)
            },
            keep: { pending.withLockedValue { $0.insert(contentsOf: batch.suffix(capacity - $0.count), at: 0) } })
    }

    /// Deletes events older than `retention`.
    package func purge(retention: Duration) async throws -> Int {
        try await pool.query(
            "DELETE FROM security_events WHERE at < now() - make_interval(secs => \(retention.timeInterval))"
        ).rowsAffected
    }

    /// Events newest first, filtered by kind, user and address, before id `before`.
    package func events(kind: String?, userID: Int?, ip: String?, before: Int?, limit: Int) async throws -> [SecurityEventRecord]
    {
        let result = try await pool.query(
            """
            SELECT id, at, kind, user_id, ip, detail::text AS detail FROM security_events
            WHERE id < \(before ?? Int(Int64.max)) AND (\(kind)::text IS NULL OR kind = \(kind))
              AND (\(userID)::int IS NULL OR user_id = \(userID)) AND (\(ip)::text IS NULL OR ip = \(ip))
            ORDER BY id DESC LIMIT \(limit)
            """)
        return try result.rows.map { row in
            let detail = (try? JSONReader.parse(Array(try row.decode("detail", as: String.self).utf8)))?.object ?? [:]
            return SecurityEventRecord(
                id: try row.decode("id"), at: try row.decode("at"), kind: try row.decode("kind"),
                userID: try row.decodeIfPresent("user_id"), ip: try row.decodeIfPresent("ip"),
                detail: detail.compactMapValues(\.string))
        }
    }
}
