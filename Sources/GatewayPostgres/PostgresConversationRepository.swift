import BotKit
import Foundation
import GatewayCore
import GatewayDomain
import Postgres

/// `ConversationRepository` on PostgreSQL.
package struct PostgresConversationRepository: ConversationRepository {
    package let pool: PostgresPool
    /// Turns finishing together are stored together (see `GroupCommit`).
    package let writer: GroupCommit<ChatTurn>
    /// Where lists and shown conversations may be read (a standby that keeps up, and has
    /// the reader's own writes), if anywhere but `pool`.
    package let reads: ReplicaReads?

    package init(pool: PostgresPool, reads: ReplicaReads? = nil, maxBatch: Int = 64) {
        self.pool = pool
        self.reads = reads
        self.writer = GroupCommit(maxBatch: maxBatch) { turns in
            do {
                return try await Self.store(turns, pool: pool)
            } catch DatabaseError.connectionLost {
                // The reply may have been lost after a commit: the statement is idempotent,
                // so once more tells (and finishes) it.
                return try await Self.store(turns, pool: pool)
            }
        }
    }

    package func history(conversationID: UUID, userID: Int, limit: Int) async throws -> [ChatMessage]? {
        // One round trip: the ownership check rides along as a row of its own.
        let result = try await pool.query(
            """
            SELECT role, content, parts::text AS parts FROM (
                SELECT 0 AS kind, NULL::varchar AS role, NULL::text AS content, NULL::jsonb AS parts, 0::bigint AS seq
                FROM conversations WHERE id = \(conversationID) AND user_id = \(userID)
                UNION ALL
                (SELECT 1, m.role, m.content, m.parts, m.seq FROM messages m JOIN conversations c ON c.id = m.conversation_id
                 WHERE m.conversation_id = \(conversationID) AND c.user_id = \(userID) AND m.status <> \(MessageStatus.failed.rawValue)
                   AND \(Self.withinConversation("m", conversationID))
                 ORDER BY m.seq DESC LIMIT \(limit))
            ) h ORDER BY kind, seq
            """)
        guard result.count > 0 else { return nil }
        return try result.rows.dropFirst().flatMap { row in
            MessageParts.decode(
                try row.decodeIfPresent("parts", as: String.self), role: ChatRole(rawValue: try row.decode("role")) ?? .user,
                content: try row.decode("content"))
        }
    }

    package func owner(of conversationID: UUID, userID: Int) async throws -> ConversationOwner {
        guard let row = try await pool.query("SELECT user_id FROM conversations WHERE id = \(conversationID)").first
        else { return .nobody }
        return try row.decode("user_id", as: Int.self) == userID ? .caller : .someoneElse
    }

    package func store(_ turn: ChatTurn) async throws {
        // Even when the reply was lost: the turn may have committed.
        defer { reads?.wrote(turn.userID) }
        try await writer.submit(turn)
    }

    /// Turns in one statement: new conversations created, existing ones touched, both
    /// messages of each turn in order, and the usage of the messages actually inserted
    /// (summed per user, bot and key, one upsert per row of `usage_daily`). Rows travel as
    /// arrays through `unnest`, so one turn or sixty-four cost the same round trip.
    ///
    /// Idempotent: messages are keyed by their ids and `created_at`, stamped when the turn
    /// was made (`ON CONFLICT DO NOTHING`, with no target: the same on the previous schema,
    /// keyed by id alone), and usage
    /// counts only rows inserted now, so writing a batch again after a lost reply neither
    /// duplicates a message nor counts a call twice. A new conversation created meanwhile
    /// by the same user (two `/v1` calls with one new `X-Conversation-Id`) is joined, not
    /// skipped; a turn whose conversation is gone or another user's is refused alone
    /// (`ChatError.conversationNotFound`), the others commit.
    package static func store(_ turns: [ChatTurn], pool: PostgresPool) async throws -> [(any Error)?] {
        func column(_ name: String, _ type: String, _ value: (ChatTurn) -> any SQLEncodable) -> (String, SQL) {
            (name, "\(PostgresArray(turns.map(value)))::\(raw: type)[]")
        }
        // Each column of the batch named beside its values, so none can shift.
        let columns = [
            column("conv", "uuid", \.conversationID), column("uid", "int", \.userID),
            column("title", "text") { $0.userMessage.trimmedWhitespace.prefix(codePoints: 80) }, column("bot", "text", \.bot),
            column("is_new", "bool", \.isNew), column("umid", "uuid", \.userMessageID), column("umsg", "text", \.userMessage),
            column("amid", "uuid", \.assistantMessageID), column("reply", "text", \.reply),
            column("status", "text", \.status.rawValue), column("finish", "text", \.finishReason),
            column("itok", "int", \.usage?.inputTokens), column("otok", "int", \.usage?.outputTokens),
            column("lat", "int", \.latencyMs), column("acc_in", "bigint", \.accounted?.inputTokens),
            column("acc_out", "bigint", \.accounted?.outputTokens), column("uparts", "text", \.userParts),
            column("aparts", "text", \.replyParts), column("key", "uuid", \.keyID),
            column("acc_cached", "bigint") { $0.accounted?.cachedInputTokens ?? 0 }, column("cost", "bigint", \.costNanos),
            column("at", "timestamptz", \.createdAt),
        ]
        let result = try await pool.query(
            """
            WITH t AS (
                SELECT * FROM unnest(\(SQL.list(columns.map(\.1))))
                    WITH ORDINALITY AS t(\(raw: columns.map(\.0).joined(separator: ", ")), ord)
            ), created AS (
                INSERT INTO conversations AS c (id, user_id, title, bot, created_at)
                SELECT DISTINCT ON (conv) conv, uid, title, bot, least(at, now()) FROM t WHERE is_new ORDER BY conv, ord
                ON CONFLICT (id) DO UPDATE SET updated_at = now() WHERE c.user_id = EXCLUDED.user_id
                RETURNING id, user_id
            ), touched AS (
                UPDATE conversations c SET updated_at = now()
                FROM (SELECT DISTINCT conv, uid FROM t WHERE NOT is_new
                      AND (conv, uid) NOT IN (SELECT conv, uid FROM t WHERE is_new)) e
                WHERE c.id = e.conv AND c.user_id = e.uid
                RETURNING c.id, c.user_id
            ), target AS (
                SELECT id, user_id FROM created UNION SELECT id, user_id FROM touched
            ), inserted AS (
                INSERT INTO messages (id, conversation_id, role, content, bot, status, finish_reason,
                                      input_tokens, output_tokens, latency_ms, parts, created_at)
                SELECT v.id, t.conv, v.role, v.content, v.bot, v.status, v.finish, v.itok, v.otok, v.lat, v.parts::jsonb, t.at
                FROM t JOIN target ON target.id = t.conv AND target.user_id = t.uid
                CROSS JOIN LATERAL (VALUES
                    (1, t.umid, 'user', t.umsg, NULL::text, \(MessageStatus.ok.rawValue)::text, NULL::text, NULL::int,
                     NULL::int, NULL::int, t.uparts),
                    (2, t.amid, 'assistant', t.reply, t.bot, t.status, t.finish, t.itok, t.otok, t.lat, t.aparts)
                ) AS v(n, id, role, content, bot, status, finish, itok, otok, lat, parts)
                ORDER BY t.ord, v.n
                ON CONFLICT DO NOTHING
                RETURNING id
            ), usage_src AS (
                SELECT t.uid, t.bot, t.key, count(*)::int AS requests, sum(t.acc_in)::bigint AS input,
                       sum(t.acc_out)::bigint AS output, sum(t.acc_cached)::bigint AS cached, sum(t.cost)::bigint AS cost
                FROM t JOIN inserted ON inserted.id = t.amid WHERE t.acc_in IS NOT NULL
                GROUP BY t.uid, t.bot, t.key
            ), \(PostgresUsageRepository.upserts)
            SELECT t.ord FROM t JOIN target ON target.id = t.conv AND target.user_id = t.uid
            """)
        let stored = Set(try result.rows.map { try $0.decode("ord", as: Int.self) })
        return turns.indices.map { stored.contains($0 + 1) ? nil : ChatError.conversationNotFound }
    }

    /// The conversation's time range as a condition on its messages' partition key, with a
    /// day's margin for clock skew between replicas (whose clocks stamp the messages): the
    /// bounds are InitPlans, so PostgreSQL prunes the partitions outside them at run time.
    static func withinConversation(_ alias: String, _ id: UUID) -> SQL {
        """
        \(raw: alias).created_at BETWEEN (SELECT created_at - interval '1 day' FROM conversations WHERE id = \(id))
            AND (SELECT updated_at + interval '1 day' FROM conversations WHERE id = \(id))
        """
    }

    package func list(userID: Int, limit: Int, after cursor: ConversationCursor?) async throws -> ConversationPage {
        let result = try await reads.read(for: userID, else: pool) {
            try await $0.query(
                """
                SELECT id, title, bot, created_at, updated_at,
                       (extract(epoch FROM updated_at) * 1000000)::bigint AS updated_us
                FROM conversations
                WHERE user_id = \(userID)
                  AND (\(cursor?.updatedMicros)::bigint IS NULL OR (updated_at, id) < (timestamptz 'epoch' + \(cursor?.updatedMicros)::bigint * interval '1 microsecond', \(cursor?.id)::uuid))
                ORDER BY updated_at DESC, id DESC
                LIMIT \(limit + 1)
                """)
        }
        var items: [ConversationSummary] = []
        var next: ConversationCursor?
        for (index, row) in result.rows.enumerated() {
            if index == limit {
                let last = result.rows[index - 1]
                next = ConversationCursor(updatedMicros: try last.decode("updated_us"), id: try last.decode("id"))
                break
            }
            items.append(try Self.summary(row))
        }
        return ConversationPage(items: items, next: next)
    }

    package func conversation(id: UUID, userID: Int) async throws -> (ConversationSummary, [StoredMessage])? {
        // Not found on the standby: perhaps made through another gateway a moment ago.
        let read: (PostgresPool) async throws -> (Row, QueryResult)? = { pool in
            let head = try await pool.query(
                "SELECT id, title, bot, created_at, updated_at FROM conversations WHERE id = \(id) AND user_id = \(userID)")
            guard let row = head.first else { return nil }
            let messages = try await pool.query(
                """
                SELECT id, role, content, bot, status, finish_reason, input_tokens, output_tokens, latency_ms, created_at
                FROM messages m WHERE conversation_id = \(id) AND \(Self.withinConversation("m", id)) ORDER BY seq
                """)
            return (row, messages)
        }
        let found = try await reads.read(for: userID, else: pool, missing: { $0 == nil }, read)
        guard let (row, messages) = found else { return nil }
        return (
            try Self.summary(row),
            try messages.rows.map { row in
                StoredMessage(
                    id: try row.decode("id", as: String.self), role: ChatRole(rawValue: try row.decode("role")) ?? .user,
                    content: try row.decode("content"), bot: try row.decodeIfPresent("bot"),
                    status: MessageStatus(rawValue: try row.decode("status")) ?? .ok,
                    finishReason: try row.decodeIfPresent("finish_reason"), inputTokens: try row.decodeIfPresent("input_tokens"),
                    outputTokens: try row.decodeIfPresent("output_tokens"), latencyMs: try row.decodeIfPresent("latency_ms"),
                    createdAt: try row.decode("created_at"))
            }
        )
    }

    package func delete(id: UUID, userID: Int) async throws -> Bool {
        defer { reads?.wrote(userID) }
        return try await pool.query("DELETE FROM conversations WHERE id = \(id) AND user_id = \(userID)").rowsAffected == 1
    }

    private static func summary(_ row: Row) throws -> ConversationSummary {
        ConversationSummary(
            id: try row.decode("id", as: String.self), title: try row.decode("title"), bot: try row.decode("bot"),
            createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"))
    }
}
