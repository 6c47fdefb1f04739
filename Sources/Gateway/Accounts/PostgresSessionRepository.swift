import Foundation

/// `SessionRepository` on PostgreSQL.
struct PostgresSessionRepository: SessionRepository {
    let pool: PostgresPool

    func start(userID: Int, tokenHash: String, client: ClientInfo, policy: RefreshPolicy) async throws -> UUID {
        try await pool.withTransaction { tx in
            try await insertSession(tx, userID: userID, tokenHash: tokenHash, client: client, policy: policy)
        }
    }

    private func insertSession(
        _ tx: Transaction, userID: Int, tokenHash: String, client: ClientInfo, policy: RefreshPolicy
    ) async throws -> UUID {
        let session = try await tx.query(
            "INSERT INTO auth_sessions (user_id, user_agent, ip_address) VALUES ($1, $2, $3) RETURNING id",
            [userID, client.userAgent, client.ip])
        let id: UUID = try session.first!.decode("id")
        _ = try await tx.query(
            """
            INSERT INTO refresh_tokens (user_id, token, expires_at, revoked, user_agent, ip_address, session_id)
            VALUES ($1, $2, now() + make_interval(secs => $3), false, $4, $5, $6)
            """, [userID, tokenHash, policy.lifetime, client.userAgent, client.ip, id])
        return id
    }

    func rotate(
        tokenHash: String, newTokenHash: String, sealedSuccessor: String, client: ClientInfo, policy: RefreshPolicy
    ) async throws -> RotationOutcome {
        let rotation = Rotation(
            tokenHash: tokenHash, newTokenHash: newTokenHash, sealedSuccessor: sealedSuccessor, client: client, policy: policy)
        if let rotated = try await rotateValid(rotation) { return rotated }
        return try await rotateOrDiagnose(rotation)
    }

    /// What one refresh asks.
    private struct Rotation {
        let tokenHash: String
        let newTokenHash: String
        let sealedSuccessor: String
        let client: ClientInfo
        let policy: RefreshPolicy
    }

    /// The usual case in one statement (one round trip): a live token of a live session is
    /// locked, revoked and replaced, and the session touched. Nil when the token is anything
    /// else (unknown, used, revoked, expired, pre-session); `rotateOrDiagnose` then works
    /// out what it is. A concurrent rotation of the same token waits for the row lock and
    /// then sees it used, so only one of them succeeds.
    private func rotateValid(_ r: Rotation) async throws -> RotationOutcome? {
        let result = try await pool.query(
            """
            WITH found AS (
                SELECT t.id, t.user_id, t.session_id, t.user_agent, t.ip_address,
                       least(now() + make_interval(secs => $3), s.created_at + make_interval(secs => $4)) AS expiry
                FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id
                WHERE t.token = $1 AND NOT t.revoked AND t.rotated_at IS NULL AND t.expires_at > now()
                  AND s.revoked_at IS NULL
                FOR UPDATE OF t
            ), ok AS (
                SELECT * FROM found WHERE expiry > now()
            ), used AS (
                UPDATE refresh_tokens SET revoked = true, rotated_at = now(), successor_sealed = $7
                WHERE id IN (SELECT id FROM ok)
            ), issued AS (
                INSERT INTO refresh_tokens (user_id, token, expires_at, revoked, user_agent, ip_address, session_id)
                SELECT user_id, $2, expiry, false, $5, $6, session_id FROM ok
            ), touched AS (
                UPDATE auth_sessions SET last_used_at = now(), user_agent = $5, ip_address = $6
                WHERE id IN (SELECT session_id FROM ok)
            )
            SELECT user_id, session_id, user_agent, ip_address FROM ok
            """,
            [
                r.tokenHash, r.newTokenHash, r.policy.lifetime, r.policy.maxSessionLifetime, r.client.userAgent, r.client.ip,
                r.sealedSuccessor,
            ])
        guard let row = result.first else { return nil }
        return .rotated(
            userID: try row.decode("user_id"), sessionID: try row.decode("session_id"),
            previous: ClientInfo(userAgent: try row.decodeIfPresent("user_agent"), ip: try row.decodeIfPresent("ip_address")))
    }

    /// Every case, step by step inside a transaction: rotation of pre-session tokens,
    /// the reuse grace period, reuse detection (revoking the session), and the reasons.
    private func rotateOrDiagnose(_ r: Rotation) async throws -> RotationOutcome {
        let (tokenHash, newTokenHash, client, policy) = (r.tokenHash, r.newTokenHash, r.client, r.policy)
        return try await pool.withTransaction { tx in
            let found = try await tx.query(
                """
                SELECT t.id, t.user_id, t.revoked, t.session_id, t.user_agent, t.ip_address, t.successor_sealed,
                       t.expires_at <= now() AS expired,
                       t.rotated_at IS NOT NULL AS rotated,
                       coalesce(t.rotated_at > now() - make_interval(secs => $2), false) AS within_grace,
                       s.revoked_at IS NOT NULL AS session_revoked,
                       coalesce(s.created_at, t.created_at) AS session_created
                FROM refresh_tokens t LEFT JOIN auth_sessions s ON s.id = t.session_id
                WHERE t.token = $1
                FOR UPDATE OF t
                """, [tokenHash, policy.reuseGrace])
            guard let row = found.first else { return .unknown }
            let tokenID: Int = try row.decode("id")
            let userID: Int = try row.decode("user_id")
            let sessionID: UUID? = try row.decodeIfPresent("session_id")
            if try row.decode("rotated", as: Bool.self) {
                if try row.decode("within_grace", as: Bool.self) {
                    if try row.decode("session_revoked", as: Bool.self) { return .revoked(userID: userID) }
                    return .concurrent(
                        userID: userID, sessionID: sessionID, successor: try row.decodeIfPresent("successor_sealed"))
                }
                guard let sessionID else { return .revoked(userID: userID) }
                try await revokeSessionTokens(tx, sessionID)
                return .reuseDetected(userID: userID, sessionID: sessionID)
            }
            if try row.decode("revoked", as: Bool.self) || row.decode("session_revoked", as: Bool.self) {
                return .revoked(userID: userID)
            }
            if try row.decode("expired", as: Bool.self) { return .expired(userID: userID) }
            let previous = ClientInfo(userAgent: try row.decodeIfPresent("user_agent"), ip: try row.decodeIfPresent("ip_address"))
            _ = try await tx.query(
                "UPDATE refresh_tokens SET revoked = true, rotated_at = now(), successor_sealed = $2 WHERE id = $1",
                [tokenID, r.sealedSuccessor])
            guard let sessionID else {
                // A token the reference issued after adoption: it becomes a session now.
                let id = try await insertSession(tx, userID: userID, tokenHash: newTokenHash, client: client, policy: policy)
                return .rotated(userID: userID, sessionID: id, previous: previous)
            }
            let created: Date = try row.decode("session_created")
            let cap = created.addingTimeInterval(policy.maxSessionLifetime.timeInterval)
            let expiry = min(Date().addingTimeInterval(policy.lifetime.timeInterval), cap)
            guard expiry > Date() else { return .expired(userID: userID) }
            _ = try await tx.query(
                """
                INSERT INTO refresh_tokens (user_id, token, expires_at, revoked, user_agent, ip_address, session_id)
                VALUES ($1, $2, $3, false, $4, $5, $6)
                """, [userID, newTokenHash, expiry, client.userAgent, client.ip, sessionID])
            _ = try await tx.query(
                "UPDATE auth_sessions SET last_used_at = now(), user_agent = $2, ip_address = $3 WHERE id = $1",
                [sessionID, client.userAgent, client.ip])
            return .rotated(userID: userID, sessionID: sessionID, previous: previous)
        }
    }

    private func revokeSessionTokens(_ tx: Transaction, _ sessionID: UUID) async throws {
        _ = try await tx.query("UPDATE refresh_tokens SET revoked = true WHERE session_id = $1 AND NOT revoked", [sessionID])
        _ = try await tx.query(
            "UPDATE auth_sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", [sessionID])
    }

    func revoke(tokenHash: String, userID: Int) async throws -> Bool {
        try await pool.withTransaction { tx in
            let found = try await tx.query(
                "SELECT id, session_id, revoked FROM refresh_tokens WHERE token = $1 AND user_id = $2 FOR UPDATE",
                [tokenHash, userID])
            guard let row = found.first else { return false }
            let wasActive = try row.decode("revoked", as: Bool.self) == false
            if let sessionID: UUID = try row.decodeIfPresent("session_id") {
                try await revokeSessionTokens(tx, sessionID)
            } else {
                _ = try await tx.query(
                    "UPDATE refresh_tokens SET revoked = true WHERE id = $1", [try row.decode("id", as: Int.self)])
            }
            return wasActive
        }
    }

    func revokeAll(userID: Int) async throws -> Int {
        try await pool.withTransaction { tx in
            _ = try await tx.query("UPDATE refresh_tokens SET revoked = true WHERE user_id = $1 AND NOT revoked", [userID])
            let sessions = try await tx.query(
                "UPDATE auth_sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL", [userID])
            return sessions.rowsAffected
        }
    }

    func sessions(userID: Int, policy: RefreshPolicy) async throws -> [SessionInfo] {
        let result = try await pool.query(
            """
            SELECT s.id, s.created_at, s.last_used_at, s.user_agent, s.ip_address, max(t.expires_at) AS expires_at
            FROM auth_sessions s JOIN refresh_tokens t ON t.session_id = s.id AND NOT t.revoked AND t.expires_at > now()
            WHERE s.user_id = $1 AND s.revoked_at IS NULL
            GROUP BY s.id ORDER BY s.last_used_at DESC
            """, [userID])
        return try result.rows.map { row in
            SessionInfo(
                id: try row.decode("id"), createdAt: try row.decode("created_at"), lastUsedAt: try row.decode("last_used_at"),
                expiresAt: try row.decode("expires_at"), userAgent: try row.decodeIfPresent("user_agent"),
                ipAddress: try row.decodeIfPresent("ip_address"), current: false)
        }
    }

    func sessionID(tokenHash: String) async throws -> UUID? {
        try await pool.query("SELECT session_id FROM refresh_tokens WHERE token = $1", [tokenHash]).first?
            .decodeIfPresent("session_id")
    }

    func revokeSession(id: UUID, userID: Int) async throws -> Bool {
        try await pool.withTransaction { tx in
            let updated = try await tx.query(
                "UPDATE auth_sessions SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
                [id, userID])
            guard updated.rowsAffected == 1 else { return false }
            _ = try await tx.query("UPDATE refresh_tokens SET revoked = true WHERE session_id = $1 AND NOT revoked", [id])
            return true
        }
    }

    func purge(before cutoff: Date) async throws -> Int {
        try await pool.withTransaction { tx in
            let tokens = try await tx.query(
                """
                DELETE FROM refresh_tokens
                WHERE session_id IS NULL AND (expires_at < $1 OR (revoked AND created_at < $1))
                """, [cutoff])
            // Tokens go with their session (ON DELETE CASCADE).
            let sessions = try await tx.query(
                """
                DELETE FROM auth_sessions s WHERE s.revoked_at < $1
                   OR NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.session_id = s.id AND t.expires_at >= $1)
                """, [cutoff])
            return tokens.rowsAffected + sessions.rowsAffected
        }
    }
}
