import Foundation
import GatewayCore
import GatewayDomain
import Postgres

/// `SessionRepository` on PostgreSQL (starting and rotating in `+rotate`).
package struct PostgresSessionRepository: SessionRepository {
    package let pool: PostgresPool

    package init(pool: PostgresPool) {
        self.pool = pool
    }

    package func revokeSessionTokens(_ tx: Transaction, _ sessionID: UUID) async throws {
        _ = try await tx.query("UPDATE refresh_tokens SET revoked = true WHERE session_id = \(sessionID) AND NOT revoked")
        _ = try await tx.query(
            "UPDATE auth_sessions SET revoked_at = now() WHERE id = \(sessionID) AND revoked_at IS NULL")
    }

    package func revoke(tokenHash: String, userID: Int) async throws -> Bool {
        try await pool.withTransaction { tx in
            let found = try await tx.query(
                "SELECT id, session_id, revoked FROM refresh_tokens WHERE token = \(tokenHash) AND user_id = \(userID) FOR UPDATE"
            )
            guard let row = found.first else { return false }
            let wasActive = try row.decode("revoked", as: Bool.self) == false
            if let sessionID: UUID = try row.decodeIfPresent("session_id") {
                try await revokeSessionTokens(tx, sessionID)
            } else {
                _ = try await tx.query(
                    "UPDATE refresh_tokens SET revoked = true WHERE id = \(try row.decode("id", as: Int.self))")
            }
            return wasActive
        }
    }

    package func revokeAll(userID: Int) async throws -> Int {
        try await pool.withTransaction { tx in
            _ = try await tx.query("UPDATE refresh_tokens SET revoked = true WHERE user_id = \(userID) AND NOT revoked")
            let sessions = try await tx.query(
                "UPDATE auth_sessions SET revoked_at = now() WHERE user_id = \(userID) AND revoked_at IS NULL")
            return sessions.rowsAffected
        }
    }

    package func sessions(userID: Int, policy: RefreshPolicy) async throws -> [SessionInfo] {
        let result = try await pool.query(
            """
            SELECT s.id, s.created_at, s.last_used_at, s.user_agent, s.ip_address, max(t.expires_at) AS expires_at
            FROM auth_sessions s JOIN refresh_tokens t ON t.session_id = s.id AND NOT t.revoked AND t.expires_at > now()
            WHERE s.user_id = \(userID) AND s.revoked_at IS NULL
            GROUP BY s.id ORDER BY s.last_used_at DESC
            """)
        return try result.rows.map { row in
            SessionInfo(
                id: try row.decode("id"), createdAt: try row.decode("created_at"), lastUsedAt: try row.decode("last_used_at"),
                expiresAt: try row.decode("expires_at"), userAgent: try row.decodeIfPresent("user_agent"),
                ipAddress: try row.decodeIfPresent("ip_address"), current: false)
        }
    }

    package func owner(tokenHash: String) async throws -> Int? {
        try await pool.query(
            """
            SELECT user_id FROM refresh_tokens
            WHERE token = \(tokenHash) AND NOT revoked AND rotated_at IS NULL AND expires_at > now()
            """
        ).first?.decode("user_id")
    }

    package func sessionID(tokenHash: String) async throws -> UUID? {
        try await pool.query("SELECT session_id FROM refresh_tokens WHERE token = \(tokenHash)").first?
            .decodeIfPresent("session_id")
    }

    /// Tokens first, then the session: the order a rotation takes its locks in (token row,
    /// then session row), so the two never wait on each other in a cycle.
    package func revokeSession(id: UUID, userID: Int) async throws -> Bool {
        try await pool.withTransaction { tx in
            _ = try await tx.query(
                """
                UPDATE refresh_tokens SET revoked = true
                WHERE session_id = \(id) AND NOT revoked
                  AND EXISTS (SELECT 1 FROM auth_sessions WHERE id = \(id) AND user_id = \(userID))
                """)
            let updated = try await tx.query(
                "UPDATE auth_sessions SET revoked_at = now() WHERE id = \(id) AND user_id = \(userID) AND revoked_at IS NULL")
            return updated.rowsAffected == 1
        }
    }

    package func purge(before cutoff: Date) async throws -> Int {
        try await pool.withTransaction { tx in
            let tokens = try await tx.query(
                """
                DELETE FROM refresh_tokens
                WHERE session_id IS NULL AND (expires_at < \(cutoff) OR (revoked AND created_at < \(cutoff)))
                """)
            // Tokens go with their session (ON DELETE CASCADE).
            let sessions = try await tx.query(
                """
                DELETE FROM auth_sessions s WHERE s.revoked_at < \(cutoff)
                   OR NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.session_id = s.id AND t.expires_at >= \(cutoff))
                """)
            return tokens.rowsAffected + sessions.rowsAffected
        }
    }
}
