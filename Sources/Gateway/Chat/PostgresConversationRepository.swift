import BotKit
import Foundation

/// `ConversationRepository` on PostgreSQL.
struct PostgresConversationRepository: ConversationRepository {
    let pool: PostgresPool

    func history(conversationID: UUID, userID: Int, limit: Int) async throws -> [ChatMessage]? {
        // One round trip: the ownership check rides along as a row of its own.
        let result = try await pool.query(
            """
            SELECT role, content FROM (
                SELECT 0 AS kind, NULL::varchar AS role, NULL::text AS content, 0::bigint AS seq
                FROM conversations WHERE id = $1 AND user_id = $2
                UNION ALL
                (SELECT 1, m.role, m.content, m.seq FROM messages m JOIN conversations c ON c.id = m.conversation_id
                 WHERE m.conversation_id = $1 AND c.user_id = $2 AND m.status <> 'failed'
                 ORDER BY m.seq DESC LIMIT $3)
            ) h ORDER BY kind, seq
            """, [conversationID, userID, limit])
        guard result.count > 0 else { return nil }
        return try result.rows.dropFirst().map { row in
            ChatMessage(role: ChatRole(rawValue: try row.decode("role")) ?? .user, content: try row.decode("content"))
        }
    }

    func store(_ turn: ChatTurn) async throws {
        let title = String(turn.userMessage.trimmedWhitespace.prefix(80))
        // A new conversation, both messages and the usage in one statement: all or nothing.
        _ = try await pool.query(
            """
            WITH usage AS (
            \(PostgresUsageRepository.upsert(user: "$2", bot: "$4", input: "$15", output: "$16"))
            ), conversation AS (
                INSERT INTO conversations (id, user_id, title, bot)
                SELECT $1, $2, $3, $4 WHERE $5
                ON CONFLICT (id) DO NOTHING
                RETURNING id
            ), touched AS (
                UPDATE conversations SET updated_at = now() WHERE id = $1 AND user_id = $2 AND NOT $5
                RETURNING id
            ), target AS (
                SELECT id FROM conversation UNION ALL SELECT id FROM touched
            )
            INSERT INTO messages (id, conversation_id, role, content, bot, status, finish_reason,
                                  input_tokens, output_tokens, latency_ms)
            SELECT v.id, target.id, v.role, v.content, v.bot, v.status, v.finish_reason,
                   v.input_tokens, v.output_tokens, v.latency_ms
            FROM target CROSS JOIN (VALUES
                (1, $6::uuid, 'user', $7::text, NULL::varchar, 'ok', NULL::varchar, NULL::int, NULL::int, NULL::int),
                (2, $8::uuid, 'assistant', $9::text, $4::varchar, $10::varchar, $11::varchar, $12::int, $13::int, $14::int)
            ) AS v(ord, id, role, content, bot, status, finish_reason, input_tokens, output_tokens, latency_ms)
            ORDER BY v.ord
            """,
            [
                turn.conversationID, turn.userID, title, turn.bot, turn.isNew, turn.userMessageID, turn.userMessage,
                turn.assistantMessageID, turn.reply, turn.status, turn.finishReason, turn.usage?.inputTokens,
                turn.usage?.outputTokens, turn.latencyMs, turn.accounted?.inputTokens, turn.accounted?.outputTokens,
            ])
    }

    func list(userID: Int, limit: Int, after cursor: ConversationCursor?) async throws -> ConversationPage {
        let result = try await pool.query(
            """
            SELECT id, title, bot, created_at, updated_at,
                   (extract(epoch FROM updated_at) * 1000000)::bigint AS updated_us
            FROM conversations
            WHERE user_id = $1
              AND ($2::bigint IS NULL OR (updated_at, id) < (timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3::uuid))
            ORDER BY updated_at DESC, id DESC
            LIMIT $4
            """, [userID, cursor?.updatedMicros, cursor?.id, limit + 1])
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

    func conversation(id: UUID, userID: Int) async throws -> (ConversationSummary, [StoredMessage])? {
        let head = try await pool.query(
            "SELECT id, title, bot, created_at, updated_at FROM conversations WHERE id = $1 AND user_id = $2", [id, userID])
        guard let row = head.first else { return nil }
        let messages = try await pool.query(
            """
            SELECT id, role, content, bot, status, finish_reason, input_tokens, output_tokens, latency_ms, created_at
            FROM messages WHERE conversation_id = $1 ORDER BY seq
            """, [id])
        return (
            try Self.summary(row),
            try messages.rows.map { row in
                StoredMessage(
                    id: try row.decode("id", as: String.self), role: ChatRole(rawValue: try row.decode("role")) ?? .user,
                    content: try row.decode("content"), bot: try row.decodeIfPresent("bot"), status: try row.decode("status"),
                    finishReason: try row.decodeIfPresent("finish_reason"), inputTokens: try row.decodeIfPresent("input_tokens"),
                    outputTokens: try row.decodeIfPresent("output_tokens"), latencyMs: try row.decodeIfPresent("latency_ms"),
                    createdAt: try row.decode("created_at"))
            }
        )
    }

    func delete(id: UUID, userID: Int) async throws -> Bool {
        try await pool.query("DELETE FROM conversations WHERE id = $1 AND user_id = $2", [id, userID]).rowsAffected == 1
    }

    private static func summary(_ row: Row) throws -> ConversationSummary {
        ConversationSummary(
            id: try row.decode("id", as: String.self), title: try row.decode("title"), bot: try row.decode("bot"),
            createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"))
    }
}
