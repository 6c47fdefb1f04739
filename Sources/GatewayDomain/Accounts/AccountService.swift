import Foundation
import GatewayCore
import Logging

/// Registration, login, refresh rotation, logout and sessions: the accounts rules,
/// independent of HTTP.
public struct AccountService: Sendable {
    package let users: any UserRepository
    package let sessions: any SessionRepository
    package let hasher: PasswordHasher
    package let tokens: AccessTokens
    package let policy: RefreshPolicy
    package let throttles: Throttles
    package let limits: ThrottleConfig
    package let events: SecurityEvents
    package let logger: Logger

    package init(
        users: any UserRepository, sessions: any SessionRepository, hasher: PasswordHasher, tokens: AccessTokens,
        policy: RefreshPolicy, throttles: Throttles, limits: ThrottleConfig, events: SecurityEvents, logger: Logger
    ) {
        self.users = users
        self.sessions = sessions
        self.hasher = hasher
        self.tokens = tokens
        self.policy = policy
        self.throttles = throttles
        self.limits = limits
        self.events = events
        self.logger = logger
    }

    /// What a successful login or refresh hands the client.
    public struct Grant: Sendable {
        public let accessToken: String
        public let refreshToken: String
        public let sessionID: UUID
    }

    /// Creates an account. Throttled per address (`REGISTER_MAX_PER_IP`); a taken email is
    /// refused before any hashing, so neither costs the hashing queue anything.
    public func register(
        name: String, email: String, password: String, client: ClientInfo,
        isWanted: @escaping @Sendable () -> Bool = { true }
    ) async throws -> User {
        let ip = client.ip ?? "unknown"
        if let wait = try await throttles.registration.admit(
            "register:\(ThrottleScope.address(ip))", limit: limits.maxRegistrationsPerIP)
        {
            events.record(.throttled, ["ip": .string(ip), "scope": "register"])
            throw AccountError.throttled(retryAfterSeconds: wait)
        }
        if try await users.credentials(email: email) != nil { throw AccountError.emailTaken }
        let hash = try await hasher.hash(password, purpose: .registration, isWanted: isWanted)
        return try await users.create(name: name, email: email, passwordHash: hash)
    }

    /// Checks a password and starts a session. Each attempt is counted before the hash
    /// is checked (per email+address and per address), so concurrent guesses cannot all
    /// pass the limit; a successful login takes its count back.
    public func login(
        email: String, password: String, client: ClientInfo, isWanted: @escaping @Sendable () -> Bool = { true }
    ) async throws -> Grant {
        let ip = client.ip ?? "unknown"
        let scope = ThrottleScope.address(ip)
        let pairKey = "login:\(email.lowercased())|\(scope)"
        let ipKey = "login-ip:\(scope)"
        let throttle = throttles.login
        // The address first: a refused address creates no per-email key (so a flood of
        // emails cannot push older windows out of the bounded table).
        var wait = try await throttle.admit(ipKey, limit: limits.maxFailuresPerIP)
        if wait == nil {
            do {
                if let pairWait = try await throttle.admit(pairKey, limit: limits.maxFailuresPerEmailAndIP) {
                    await throttle.refund(ipKey)
                    wait = pairWait
                }
            } catch {
                await throttle.refund(ipKey)  // not judged: not an attempt
                throw error
            }
        }
        if let wait {
            events.record(.throttled, ["ip": .string(ip), "scope": "login"])
            throw AccountError.throttled(retryAfterSeconds: wait)
        }
        let checked: PasswordCheck
        do {
            checked = try await check(email: email, password: password, isWanted: isWanted)
        } catch {
            // Not judged (queue full, client gone, database down): not an attempt.
            await throttle.refund(pairKey)
            await throttle.refund(ipKey)
            throw error
        }
        let credentials: UserCredentials
        switch checked {
        case .matched(let user): credentials = user
        case .unknownEmail: return try loginFailed(ip: ip, reason: "unknown_email")
        case .wrongPassword(let userID): return try loginFailed(ip: ip, reason: "wrong_password", userID: userID)
        }
        await throttle.settle(refund: ipKey, forget: pairKey)
        if hasher.needsRehash(credentials.passwordHash) { upgradeHash(userID: credentials.user.id, password: password) }
        let refresh = RefreshTokenFactory.make()
        let sessionID = try await sessions.start(
            userID: credentials.user.id, tokenHash: RefreshTokenFactory.hash(refresh), client: client, policy: policy)
        events.record(.loginOK, ["user_id": "\(credentials.user.id)", "ip": .string(ip)])
        events.record(
            .create,
            [
                "user_id": "\(credentials.user.id)", "session_id": "\(sessionID)",
                "token": .string(RefreshTokenFactory.mask(refresh)),
            ])
        let access = try await tokens.issue(userID: credentials.user.id, email: credentials.user.email)
        return Grant(accessToken: access, refreshToken: refresh, sessionID: sessionID)
    }

    private enum PasswordCheck {
        case matched(UserCredentials)
        case unknownEmail
        case wrongPassword(userID: Int)
    }

    /// Whose password this is; unknown emails cost a dummy verification (same timing).
    private func check(email: String, password: String, isWanted: @escaping @Sendable () -> Bool) async throws
        -> PasswordCheck
    {
        guard let credentials = try await users.credentials(email: email) else {
            try await hasher.verifyDummy(password, isWanted: isWanted)
            return .unknownEmail
        }
        guard try await hasher.verify(password, against: credentials.passwordHash, isWanted: isWanted) else {
            return .wrongPassword(userID: credentials.user.id)
        }
        return .matched(credentials)
    }

    private func loginFailed(ip: String, reason: String, userID: Int? = nil) throws -> Grant {
        var metadata: Logger.Metadata = ["ip": .string(ip), "reason": .string(reason)]
        if let userID { metadata["user_id"] = "\(userID)" }
        events.record(.loginFailed, metadata)
        throw AccountError.invalidCredentials
    }

    /// Replaces an outdated hash in the background; a failure never fails the login.
    private func upgradeHash(userID: Int, password: String) {
        let (hasher, users, logger) = (self.hasher, self.users, self.logger)
        Task {
            do {
                let hash = try await hasher.hash(password, purpose: .registration)
                try await users.updatePasswordHash(userID: userID, hash: hash)
                logger.info("password hash upgraded", metadata: ["user_id": "\(userID)"])
            } catch {
                logger.warning("password hash upgrade failed", metadata: ["user_id": "\(userID)", "error": "\(error)"])
            }
        }
    }

    public func refresh(token: String?, client: ClientInfo) async throws -> Grant {
        let ip = client.ip ?? "unknown"
        if let wait = try await throttles.refresh.admit(
            "refresh:\(ThrottleScope.address(ip))", limit: limits.maxRefreshesPerIP)
        {
            events.record(.throttled, ["ip": .string(ip), "scope": "refresh"])
            throw AccountError.throttled(retryAfterSeconds: wait)
        }
        guard let token else {
            events.record(.invalid, ["ip": .string(ip), "reason": "missing"])
            throw AccountError.invalidRefreshToken
        }
        let masked: Logger.MetadataValue = .string(RefreshTokenFactory.mask(token))
        let next = RefreshTokenFactory.make()
        let outcome = try await sessions.rotate(
            tokenHash: RefreshTokenFactory.hash(token), newTokenHash: RefreshTokenFactory.hash(next),
            sealedSuccessor: RefreshTokenFactory.seal(next, under: token), client: client, policy: policy)
        switch outcome {
        case .rotated(let userID, let sessionID, let previous):
            if previous != client {
                events.record(
                    .anomaly,
                    [
                        "user_id": "\(userID)", "token": masked, "ip": .string(ip), "previous_ip": .string(previous.ip ?? "-"),
                        "user_agent_changed": .stringConvertible(previous.userAgent != client.userAgent),
                    ])
            }
            guard let user = try await users.find(id: userID) else { throw AccountError.invalidRefreshToken }
            events.record(.rotate, ["user_id": "\(userID)", "session_id": "\(sessionID)", "token": masked])
            let access = try await tokens.issue(userID: user.id, email: user.email)
            return Grant(accessToken: access, refreshToken: next, sessionID: sessionID)
        case .unknown:
            events.record(.invalid, ["token": masked, "ip": .string(ip), "reason": "unknown"])
        case .expired(let userID):
            events.record(.expired, ["token": masked, "ip": .string(ip), "user_id": "\(userID)"])
        case .revoked(let userID):
            events.record(.invalid, ["token": masked, "ip": .string(ip), "user_id": "\(userID)", "reason": "revoked"])
        case .concurrent(let userID, let sessionID, let sealed):
            // The same client refreshing twice at once (two tabs): both get the successor,
            // so whichever answer arrives last leaves the browser logged in.
            if let sealed, let successor = RefreshTokenFactory.open(sealed, under: token), let sessionID,
                let user = try await users.find(id: userID)
            {
                events.record(
                    .rotate, ["user_id": "\(userID)", "session_id": "\(sessionID)", "token": masked, "reason": "grace_replay"])
                let access = try await tokens.issue(userID: user.id, email: user.email)
                return Grant(accessToken: access, refreshToken: successor, sessionID: sessionID)
            }
            events.record(
                .invalid, ["token": masked, "ip": .string(ip), "user_id": "\(userID)", "reason": "concurrent_rotation"])
        case .reuseDetected(let userID, let sessionID):
            events.record(
                .reuseDetected, ["token": masked, "ip": .string(ip), "user_id": "\(userID)", "session_id": "\(sessionID)"])
        }
        throw AccountError.invalidRefreshToken
    }

    public func logout(token: String?, user: AuthenticatedUser) async throws {
        guard let token else { return }
        let masked: Logger.MetadataValue = .string(RefreshTokenFactory.mask(token))
        if try await sessions.revoke(tokenHash: RefreshTokenFactory.hash(token), userID: user.id) {
            events.record(.revoke, ["user_id": "\(user.id)", "token": masked])
        } else {
            events.record(.invalid, ["user_id": "\(user.id)", "token": masked, "reason": "logout_with_inactive_token"])
        }
    }

    public func logoutAll(user: AuthenticatedUser) async throws {
        let count = try await sessions.revokeAll(userID: user.id)
        events.record(.revokeAll, ["user_id": "\(user.id)", "sessions": "\(count)"])
    }

    public func listSessions(user: AuthenticatedUser, currentToken: String?) async throws -> [SessionInfo] {
        let current =
            try await currentToken.asyncMap { try await sessions.sessionID(tokenHash: RefreshTokenFactory.hash($0)) } ?? nil
        return try await sessions.sessions(userID: user.id, policy: policy).map { session in
            var session = session
            session.current = session.id == current
            return session
        }
    }

    public func revokeSession(id: UUID, user: AuthenticatedUser) async throws {
        guard try await sessions.revokeSession(id: id, userID: user.id) else { throw AccountError.sessionNotFound }
        events.record(.revoke, ["user_id": "\(user.id)", "session_id": "\(id)"])
    }
}
