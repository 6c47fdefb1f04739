import BotKit
import Foundation
import GatewayCore
import GatewayDomain
import Postgres

extension PostgresConversationRepository {
    /// The answer row, the row before it (its turn's input when a user row) and whether
    /// any row follows, in one round trip.
    package func response(id: UUID, userID: Int) async throws -> StoredResponse? {
        let result = try await pool.query(
            """
            SELECT a.conversation_id, a.content, a.parts::text AS parts, a.bot, a.status, a.finish_reason,
                   a.input_tokens, a.output_tokens, a.created_at,
                   p.role AS input_role, p.content AS input_content, p.parts::text AS input_parts,
                   NOT EXISTS (SELECT 1 FROM messages l WHERE l.conversation_id = a.conversation_id AND l.seq > a.seq
                               AND l.role = 'assistant' AND l.status = \(MessageStatus.ok.rawValue)) AS latest
            FROM messages a JOIN conversations c ON c.id = a.conversation_id
            LEFT JOIN LATERAL (
                SELECT b.role, b.content, b.parts FROM messages b
                WHERE b.conversation_id = a.conversation_id AND b.seq < a.seq ORDER BY b.seq DESC LIMIT 1
            ) p ON true
            WHERE a.id = \(id) AND a.role = 'assistant' AND c.user_id = \(userID)
            """)
        guard let row = result.first else { return nil }
        let answer = MessageParts.decode(
            try row.decodeIfPresent("parts", as: String.self), role: .assistant, content: try row.decode("content"))
        var input: [ChatMessage] = []
        if try row.decodeIfPresent("input_role", as: String.self) == ChatRole.user.rawValue {
            input = MessageParts.decode(
                try row.decodeIfPresent("input_parts", as: String.self), role: .user, content: try row.decode("input_content"))
        }
        let inputTokens: Int? = try row.decodeIfPresent("input_tokens")
        let outputTokens: Int? = try row.decodeIfPresent("output_tokens")
        return StoredResponse(
            conversationID: try row.decode("conversation_id"), input: input,
            answer: answer.last ?? ChatMessage(role: .assistant, content: ""), bot: try row.decodeIfPresent("bot") ?? "",
            status: MessageStatus(rawValue: try row.decode("status")) ?? .ok,
            finishReason: try row.decodeIfPresent("finish_reason"),
            usage: inputTokens.flatMap { input in outputTokens.map { TokenUsage(inputTokens: input, outputTokens: $0) } },
            createdAt: try row.decode("created_at"), isLatest: try row.decode("latest"))
    }

    /// The answer and the user row of its turn in one statement; then the conversation when
    /// nothing is left in it, in a statement of its own, whose snapshot sees a turn committed
    /// meanwhile (a turn committing after it finds no conversation and is not stored).
    package func deleteResponse(id: UUID, userID: Int) async throws -> Bool {
        let result = try await pool.query(
            """
            WITH answer AS (
                SELECT a.id, a.seq, a.conversation_id FROM messages a JOIN conversations c ON c.id = a.conversation_id
                WHERE a.id = \(id) AND a.role = 'assistant' AND c.user_id = \(userID)
            ), input AS (
                SELECT p.id FROM answer a CROSS JOIN LATERAL (
                    SELECT b.id, b.role FROM messages b
                    WHERE b.conversation_id = a.conversation_id AND b.seq < a.seq ORDER BY b.seq DESC LIMIT 1
                ) p WHERE p.role = 'user'
            ), doomed AS (
                SELECT id FROM answer UNION ALL SELECT id FROM input
            ), gone AS (
                DELETE FROM messages WHERE id IN (SELECT id FROM doomed) RETURNING conversation_id
            )
            SELECT DISTINCT conversation_id FROM gone
            """)
        defer { reads?.wrote(userID) }
        guard let row = result.first else { return false }
        let conversation: UUID = try row.decode("conversation_id")
        _ = try await pool.query(
            """
            DELETE FROM conversations c WHERE c.id = \(conversation) AND c.user_id = \(userID)
                AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id)
            """)
        return true
    }
}
