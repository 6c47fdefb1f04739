import Foundation
import GatewayCore

/// One active login session (a family of rotated refresh tokens).
public struct SessionInfo: Codable, Sendable, Equatable {
    public let id: UUID
    public let createdAt: Date
    public let lastUsedAt: Date
    public let expiresAt: Date
    public let userAgent: String?
    public let ipAddress: String?
    public var current: Bool

    package enum CodingKeys: String, CodingKey {
        case id, current
        case createdAt = "created_at"
        case lastUsedAt = "last_used_at"
        case expiresAt = "expires_at"
        case userAgent = "user_agent"
        case ipAddress = "ip_address"
    }

    /// Ids are written in lower case, like every other id the API returns.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id.lowercasedString, forKey: .id)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(lastUsedAt, forKey: .lastUsedAt)
        try container.encode(expiresAt, forKey: .expiresAt)
        try container.encodeIfPresent(userAgent, forKey: .userAgent)
        try container.encodeIfPresent(ipAddress, forKey: .ipAddress)
        try container.encode(current, forKey: .current)
    }

    /// Every member (the memberwise initializer, open to the package's other stores).
    package init(
        id: UUID, createdAt: Date, lastUsedAt: Date, expiresAt: Date, userAgent: String?, ipAddress: String?, current: Bool
    ) {
        self.id = id
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
        self.userAgent = userAgent
        self.ipAddress = ipAddress
        self.current = current
    }
}

/// Where a refresh request came from.
public struct ClientInfo: Sendable, Equatable {
    public let userAgent: String?
    public let ip: String?

    package init(userAgent: String? = nil, ip: String? = nil) {
        self.userAgent = userAgent
        self.ip = ip
    }

}

/// The result of presenting a refresh token.
public enum RotationOutcome: Sendable, Equatable {
    /// Rotated: the new token is stored; `previous` is where the old one was used from.
    case rotated(userID: Int, sessionID: UUID, previous: ClientInfo)
    case unknown
    case expired(userID: Int)
    case revoked(userID: Int)
    /// Rotated moments ago (within the grace period) by a concurrent request of the same
    /// client: `successor` is the sealed token that rotation issued (nil for rotations
    /// made before sealing existed), handed back instead of logging the client out.
    case concurrent(userID: Int, sessionID: UUID?, successor: String?)
    /// Rotated earlier and presented again: the session has been revoked.
    case reuseDetected(userID: Int, sessionID: UUID)
}

/// Lifetimes applied when issuing refresh tokens.
public struct RefreshPolicy: Sendable {
    public var lifetime: Duration
    public var maxSessionLifetime: Duration
    public var reuseGrace: Duration

    package init(lifetime: Duration, maxSessionLifetime: Duration, reuseGrace: Duration) {
        self.lifetime = lifetime
        self.maxSessionLifetime = maxSessionLifetime
        self.reuseGrace = reuseGrace
    }

}

/// Storage of sessions and refresh tokens (only SHA-256 hashes of tokens are stored).
public protocol SessionRepository: Sendable {
    /// Starts a session with its first token; returns the session id.
    func start(userID: Int, tokenHash: String, client: ClientInfo, policy: RefreshPolicy) async throws -> UUID
    /// Rotates a token in one transaction that locks its row; `sealedSuccessor` (the new
    /// token sealed under the old one) is kept on the rotated row for the grace period.
    func rotate(
        tokenHash: String, newTokenHash: String, sealedSuccessor: String, client: ClientInfo, policy: RefreshPolicy
    ) async throws -> RotationOutcome
    /// Revokes the session of a token when it belongs to `userID`; true when one was active.
    func revoke(tokenHash: String, userID: Int) async throws -> Bool
    /// Revokes every session of a user; returns how many were active.
    func revokeAll(userID: Int) async throws -> Int
    /// Active sessions of a user, newest first.
    func sessions(userID: Int, policy: RefreshPolicy) async throws -> [SessionInfo]
    /// The session id of a token, if the token is known.
    func sessionID(tokenHash: String) async throws -> UUID?
    /// The user of a token that is current (not revoked, rotated or expired); nil otherwise.
    func owner(tokenHash: String) async throws -> Int?
    /// Revokes one session of a user; false when it is not theirs or not active.
    func revokeSession(id: UUID, userID: Int) async throws -> Bool
    /// Deletes sessions that ended before `cutoff` (revoked, or every token expired) with
    /// all their tokens, rotated ones included (kept until then for reuse detection), and
    /// pre-session tokens expired or revoked before it. Returns how many rows went.
    func purge(before cutoff: Date) async throws -> Int
}
