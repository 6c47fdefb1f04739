import Foundation
import GatewayCore
import GatewayDomain
import Postgres

/// Sessions start and refresh tokens rotate here. Every new token comes from `issue`,
/// the one place its expiry is decided, on the database's clock.
extension PostgresSessionRepository {
    /// `INSERT INTO refresh_tokens` of `token` for the row of `source`, a query yielding
    /// (user_id, session_id, session_created, user_agent, ip_address): it expires after the
    /// sliding lifetime, never beyond the session's maximum; no row when that has passed.
    package static func issue(_ token: String, from source: SQL, policy: RefreshPolicy) -> SQL {
        """
        INSERT INTO refresh_tokens (user_id, token, expires_at, revoked, created_at, user_agent, ip_address, session_id)
        SELECT s.user_id, \(token), e.expiry, false, now(), s.user_agent, s.ip_address, s.session_id
        FROM (\(source)) AS s(user_id, session_id, session_created, user_agent, ip_address)
        CROSS JOIN LATERAL (SELECT least(now() + make_interval(secs => \(policy.lifetime)::float8),
                                         s.session_created + make_interval(secs => \(policy.maxSessionLifetime)::float8))
                            AS expiry) e
        WHERE e.expiry > now()
        RETURNING user_id, session_id
        """
    }

    package func start(userID: Int, tokenHash: String, client: ClientInfo, policy: RefreshPolicy) async throws -> UUID {
        let result = try await pool.query(startSession(userID: userID, tokenHash: tokenHash, client: client, policy: policy))
        return try result.first!.decode("session_id")
    }

    /// A new session and its first token, in one statement.
    private func startSession(userID: Int, tokenHash: String, client: ClientInfo, policy: RefreshPolicy) -> SQL {
        """
        WITH session AS (
            INSERT INTO auth_sessions (user_id, user_agent, ip_address) VALUES (\(userID), \(client.userAgent), \(client.ip))
            RETURNING user_id, id, created_at, user_agent, ip_address
        ), issued AS (
            \(Self.issue(tokenHash, from: "SELECT * FROM session", policy: policy))
        )
        SELECT session_id FROM issued
        """
    }

    package func rotate(
        tokenHash: String, newTokenHash: String, sealedSuccessor: String, client: ClientInfo, policy: RefreshPolicy
    ) async throws -> RotationOutcome {
        let rotation = Rotation(
            tokenHash: tokenHash, newTokenHash: newTokenHash, sealedSuccessor: sealedSuccessor, client: client, policy: policy)
        if let rotated = try await rotateValid(rotation) { return rotated }
        return try await rotateOrDiagnose(rotation)
    }

    /// What one refresh asks.
    private struct Rotation {
        package let tokenHash: String
        package let newTokenHash: String
        package let sealedSuccessor: String
        package let client: ClientInfo
        package let policy: RefreshPolicy
    }

    /// The usual case in one statement (one round trip): a live token of a live session is
    /// locked, its successor issued, it is marked rotated and the session touched. Nil when
    /// the token is anything else (unknown, used, revoked, expired, pre-session, past the
    /// session's maximum); `rotateOrDiagnose` then works out what it is. A concurrent
    /// rotation of the same token waits for the row lock and then sees it used.
    private func rotateValid(_ r: Rotation) async throws -> RotationOutcome? {
        let result = try await pool.query(
            """
            WITH found AS (
                SELECT t.id, t.user_id, t.session_id, s.created_at AS session_created, t.user_agent, t.ip_address
                FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id
                WHERE t.token = \(r.tokenHash) AND NOT t.revoked AND t.rotated_at IS NULL AND t.expires_at > now()
                  AND s.revoked_at IS NULL
                FOR UPDATE OF t
            ), issued AS (
                \(Self.issue(r.newTokenHash, from: """
                    SELECT user_id, session_id, session_created, \(r.client.userAgent)::text, \(r.client.ip)::text FROM found
                    """, policy: r.policy))
            ), used AS (
                UPDATE refresh_tokens SET revoked = true, rotated_at = now(), successor_sealed = \(r.sealedSuccessor)
                WHERE id IN (SELECT id FROM found) AND EXISTS (SELECT 1 FROM issued)
            ), touched AS (
                UPDATE auth_sessions SET last_used_at = now(), user_agent = \(r.client.userAgent), ip_address = \(r.client.ip)
                WHERE id IN (SELECT session_id FROM issued)
            )
            SELECT found.user_id, found.session_id, found.user_agent, found.ip_address FROM found JOIN issued USING (session_id)
            """)
        guard let row = result.first else { return nil }
        return .rotated(
            userID: try row.decode("user_id"), sessionID: try row.decode("session_id"),
            previous: ClientInfo(userAgent: try row.decodeIfPresent("user_agent"), ip: try row.decodeIfPresent("ip_address")))
    }

    /// Every case, step by step inside a transaction: rotation of pre-session tokens,
    /// the reuse grace period, reuse detection (revoking the session), and the reasons.
    private func rotateOrDiagnose(_ r: Rotation) async throws -> RotationOutcome {
        try await pool.withTransaction { tx in
            let found = try await tx.query(
                """
                SELECT t.id, t.user_id, t.revoked, t.session_id, t.user_agent, t.ip_address, t.successor_sealed,
                       t.expires_at <= now() AS expired,
                       t.rotated_at IS NOT NULL AS rotated,
                       coalesce(t.rotated_at > now() - make_interval(secs => \(r.policy.reuseGrace)::float8), false) AS within_grace,
                       s.revoked_at IS NOT NULL AS session_revoked
                FROM refresh_tokens t LEFT JOIN auth_sessions s ON s.id = t.session_id
                WHERE t.token = \(r.tokenHash)
                FOR UPDATE OF t
                """)
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
            // Marked rotated (with its sealed successor) only once the successor exists, so a
            // retry within the grace period never gets a successor that was not issued.
            let markRotated: SQL =
                "UPDATE refresh_tokens SET revoked = true, rotated_at = now(), successor_sealed = \(r.sealedSuccessor) WHERE id = \(tokenID)"
            guard let sessionID else {
                // A token the reference issued after adoption: it becomes a session now.
                let started = try await tx.query(
                    startSession(userID: userID, tokenHash: r.newTokenHash, client: r.client, policy: r.policy))
                _ = try await tx.query(markRotated)
                return .rotated(userID: userID, sessionID: try started.first!.decode("session_id"), previous: previous)
            }
            let issued = try await tx.query(
                """
                WITH issued AS (
                    \(Self.issue(r.newTokenHash, from: """
                        SELECT user_id, id, created_at, \(r.client.userAgent)::text, \(r.client.ip)::text
                        FROM auth_sessions WHERE id = \(sessionID)
                        """, policy: r.policy))
                )
                UPDATE auth_sessions SET last_used_at = now(), user_agent = \(r.client.userAgent), ip_address = \(r.client.ip)
                WHERE id IN (SELECT session_id FROM issued)
                """)
            guard issued.rowsAffected == 1 else {
                // Past the session's maximum lifetime: the token ends, with no successor.
                _ = try await tx.query("UPDATE refresh_tokens SET revoked = true WHERE id = \(tokenID)")
                return .expired(userID: userID)
            }
            _ = try await tx.query(markRotated)
            return .rotated(userID: userID, sessionID: sessionID, previous: previous)
        }
    }
}
