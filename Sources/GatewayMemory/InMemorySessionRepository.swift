import Foundation
import GatewayCore
import GatewayDomain
import Synchronization

/// `SessionRepository` in this process's memory, with `PostgresSessionRepository`'s rules:
/// sliding token lifetimes capped by the session's maximum, rotation with a reuse grace
/// period (a concurrent retry gets the sealed successor), reuse detection revoking the
/// session, and purging (tokens issued before sessions existed, which only an adopted
/// database holds, are PostgreSQL's alone). `now` is the
/// clock (tests move it).
package final class InMemorySessionRepository: SessionRepository {
    private struct Session {
        let id: UUID
        let userID: Int
        let createdAt: Date
        var lastUsedAt: Date
        var userAgent: String?
        var ip: String?
        var revokedAt: Date?
    }

    private struct Token {
        let userID: Int
        let sessionID: UUID
        let expiresAt: Date
        var revoked = false
        var rotatedAt: Date?
        var successorSealed: String?
        var userAgent: String?
        var ip: String?
    }

    private struct State {
        var sessions: [UUID: Session] = [:]
        var tokens: [String: Token] = [:]
    }

    private let state = Mutex(State())
    private let now: @Sendable () -> Date

    package init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    package func start(userID: Int, tokenHash: String, client: ClientInfo, policy: RefreshPolicy) async throws -> UUID {
        let now = self.now()
        return state.withLock { state in Self.startSession(&state, userID, tokenHash, client, policy, now) }
    }

    private static func startSession(
        _ state: inout State, _ userID: Int, _ tokenHash: String, _ client: ClientInfo, _ policy: RefreshPolicy, _ now: Date
    ) -> UUID {
        let session = Session(
            id: UUID(), userID: userID, createdAt: now, lastUsedAt: now, userAgent: client.userAgent, ip: client.ip)
        state.sessions[session.id] = session
        _ = issue(&state, tokenHash, session: session, client: client, policy: policy, now: now)
        return session.id
    }

    /// The one place a token's expiry is decided: the sliding lifetime, never past the
    /// session's maximum; false (nothing issued) when that has passed.
    private static func issue(
        _ state: inout State, _ tokenHash: String, session: Session, client: ClientInfo, policy: RefreshPolicy, now: Date
    ) -> Bool {
        let expiry = min(
            now.addingTimeInterval(policy.lifetime.timeInterval),
            session.createdAt.addingTimeInterval(policy.maxSessionLifetime.timeInterval))
        guard expiry > now else { return false }
        state.tokens[tokenHash] = Token(
            userID: session.userID, sessionID: session.id, expiresAt: expiry, userAgent: client.userAgent,
            ip: client.ip)
        return true
    }

    package func rotate(
        tokenHash: String, newTokenHash: String, sealedSuccessor: String, client: ClientInfo, policy: RefreshPolicy
    ) async throws -> RotationOutcome {
        let now = self.now()
        return state.withLock { state in
            guard let token = state.tokens[tokenHash] else { return .unknown }
            guard var session = state.sessions[token.sessionID] else { return .unknown }
            let sessionRevoked = session.revokedAt != nil
            if let rotatedAt = token.rotatedAt {
                if rotatedAt > now.addingTimeInterval(-policy.reuseGrace.timeInterval) {
                    if sessionRevoked { return .revoked(userID: token.userID) }
                    return .concurrent(userID: token.userID, sessionID: token.sessionID, successor: token.successorSealed)
                }
                Self.revokeSession(&state, token.sessionID, now)
                return .reuseDetected(userID: token.userID, sessionID: token.sessionID)
            }
            if token.revoked || sessionRevoked { return .revoked(userID: token.userID) }
            if token.expiresAt <= now { return .expired(userID: token.userID) }
            let previous = ClientInfo(userAgent: token.userAgent, ip: token.ip)
            guard Self.issue(&state, newTokenHash, session: session, client: client, policy: policy, now: now) else {
                // Past the session's maximum lifetime: the token ends, with no successor.
                state.tokens[tokenHash]?.revoked = true
                return .expired(userID: token.userID)
            }
            session.lastUsedAt = now
            session.userAgent = client.userAgent
            session.ip = client.ip
            state.sessions[session.id] = session
            state.tokens[tokenHash]?.revoked = true
            state.tokens[tokenHash]?.rotatedAt = now
            state.tokens[tokenHash]?.successorSealed = sealedSuccessor
            return .rotated(userID: token.userID, sessionID: session.id, previous: previous)
        }
    }

    private static func revokeSession(_ state: inout State, _ sessionID: UUID, _ now: Date) {
        for (hash, token) in state.tokens where token.sessionID == sessionID { state.tokens[hash]?.revoked = true }
        if state.sessions[sessionID]?.revokedAt == nil { state.sessions[sessionID]?.revokedAt = now }
    }

    package func revoke(tokenHash: String, userID: Int) async throws -> Bool {
        let now = self.now()
        return state.withLock { state in
            guard let token = state.tokens[tokenHash], token.userID == userID else { return false }
            Self.revokeSession(&state, token.sessionID, now)
            return token.revoked == false
        }
    }

    package func revokeAll(userID: Int) async throws -> Int {
        let now = self.now()
        return state.withLock { state in
            for (hash, token) in state.tokens where token.userID == userID { state.tokens[hash]?.revoked = true }
            let active = state.sessions.values.filter { $0.userID == userID && $0.revokedAt == nil }
            for session in active { state.sessions[session.id]?.revokedAt = now }
            return active.count
        }
    }

    package func sessions(userID: Int, policy: RefreshPolicy) async throws -> [SessionInfo] {
        let now = self.now()
        return state.withLock { state in
            state.sessions.values.filter { $0.userID == userID && $0.revokedAt == nil }.compactMap { session in
                let live = state.tokens.values.filter { $0.sessionID == session.id && $0.revoked == false && $0.expiresAt > now }
                guard let expiry = live.map(\.expiresAt).max() else { return nil }
                return SessionInfo(
                    id: session.id, createdAt: session.createdAt, lastUsedAt: session.lastUsedAt, expiresAt: expiry,
                    userAgent: session.userAgent, ipAddress: session.ip, current: false)
            }.sorted { $0.lastUsedAt > $1.lastUsedAt }
        }
    }

    package func sessionID(tokenHash: String) async throws -> UUID? {
        state.withLock { state in state.tokens[tokenHash]?.sessionID }
    }

    package func owner(tokenHash: String) async throws -> Int? {
        let now = self.now()
        return state.withLock { state in
            guard let token = state.tokens[tokenHash], token.revoked == false, token.rotatedAt == nil, token.expiresAt > now
            else { return nil }
            return token.userID
        }
    }

    package func revokeSession(id: UUID, userID: Int) async throws -> Bool {
        let now = self.now()
        return state.withLock { state in
            guard let session = state.sessions[id], session.userID == userID else { return false }
            Self.revokeSession(&state, id, now)
            return session.revokedAt == nil
        }
    }

    package func purge(before cutoff: Date) async throws -> Int {
        state.withLock { state in
            let sessions = state.sessions.values.filter { session in
                (session.revokedAt.map { $0 < cutoff } ?? false)
                    || state.tokens.values.contains { $0.sessionID == session.id && $0.expiresAt >= cutoff } == false
            }
            for session in sessions {
                state.sessions[session.id] = nil
                for (hash, token) in state.tokens where token.sessionID == session.id { state.tokens[hash] = nil }
            }
            return sessions.count
        }
    }

    /// Drops the sessions and tokens of a deleted user (the cascade; the reference schema's
    /// tokens go in the same statement).
    package func removeAll(userID: Int) {
        state.withLock { state in
            state.sessions = state.sessions.filter { $0.value.userID != userID }
            state.tokens = state.tokens.filter { $0.value.userID != userID }
        }
    }
}
