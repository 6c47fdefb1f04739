import Foundation
import GatewayCore
import Postgres

/// What an API key may do.
public enum APIKeyScope: String, Codable, Sendable, CaseIterable {
    /// The model routes only: `/v1`, chat, the bot list (the default for new keys).
    case inference
    /// Everything its owner may do with a password login, except mint keys.
    case full
}

/// A personal API key as listed (never its secret).
public struct APIKeyInfo: Codable, Sendable, Equatable {
    public let id: String
    public let name: String
    public let prefix: String
    public let scope: APIKeyScope
    /// The bots it may call (nil: every bot).
    public let bots: [String]?
    public let createdAt: Date
    public let lastUsedAt: Date?
    public let expiresAt: Date?

    package enum CodingKeys: String, CodingKey {
        case id, name, prefix, scope, bots
        case createdAt = "created_at"
        case lastUsedAt = "last_used_at"
        case expiresAt = "expires_at"
    }

    /// Every member (the memberwise initializer, open to the package's other stores).
    package init(
        id: String, name: String, prefix: String, scope: APIKeyScope, bots: [String]?, createdAt: Date, lastUsedAt: Date?,
        expiresAt: Date?
    ) {
        self.id = id
        self.name = name
        self.prefix = prefix
        self.scope = scope
        self.bots = bots
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
    }
}

/// Storage of API keys; secrets are stored as SHA-256 hex.
public protocol APIKeyRepository: Sendable {
    /// Stores a key; `bots` limits the bots it may call (nil: every bot).
    func create(
        userID: Int, name: String, prefix: String, hash: String, scope: APIKeyScope, bots: [String]?, expiresAt: Date?
    ) async throws -> APIKeyInfo
    func list(userID: Int) async throws -> [APIKeyInfo]
    /// Revokes a key of the user and returns its hash; nil when it is not theirs or
    /// already revoked.
    func revoke(id: UUID, userID: Int) async throws -> String?
    /// An unrevoked key by its hash (expired or not: `APIKeyGrant.isValid` decides); nil
    /// for an unknown or revoked key.
    func grant(hash: String) async throws -> APIKeyGrant?
    /// Sets `last_used_at` of these keys to now (written in batches by `KeyUseRecorder`).
    func touch(ids: [UUID]) async throws
}

/// What an active API key grants: its owner, within its scope, until it expires.
public struct APIKeyGrant: Sendable, Equatable {
    public let keyID: UUID
    public let userID: Int
    /// No default: a grant built without its scope would not compile, rather than open.
    public let scope: APIKeyScope
    /// No default either: the bots it may call.
    public let bots: BotAccess
    public let expiresAt: Date?

    /// Unexpired at `now`; the one place a key's expiry is judged (the gateway's clock).
    package func isValid(at now: Date = Date()) -> Bool { expiresAt.map { $0 > now } ?? true }

    /// Every member (the memberwise initializer, open to the package's other stores).
    package init(keyID: UUID, userID: Int, scope: APIKeyScope, bots: BotAccess, expiresAt: Date?) {
        self.keyID = keyID
        self.userID = userID
        self.scope = scope
        self.bots = bots
        self.expiresAt = expiresAt
    }
}

/// Makes API key secrets: `gwk_` + 43 base64url characters (32 random bytes).
package enum APIKeySecret {
    package static let marker = "gwk_"

    package static func make() -> String {
        marker + Data(randomBytes(32)).base64URLEncodedString
    }

    package static func hash(_ secret: String) -> String { sha256Hex(secret) }

    /// What is shown of a key after creation: the marker and the first characters.
    package static func prefix(_ secret: String) -> String { String(secret.prefix(12)) }
}

/// `APIKeyRepository` on PostgreSQL.
package struct PostgresAPIKeyRepository: APIKeyRepository {
    package let pool: PostgresPool

    package init(pool: PostgresPool) {
        self.pool = pool
    }

    package func create(
        userID: Int, name: String, prefix: String, hash: String, scope: APIKeyScope, bots: [String]?, expiresAt: Date?
    ) async throws -> APIKeyInfo {
        let result = try await pool.query(
            """
            INSERT INTO api_keys (id, user_id, name, prefix, key_hash, scope, bots, expires_at)
            VALUES (\(UUID.random()), \(userID), \(name), \(prefix), \(hash), \(scope.rawValue),
                    \(bots.map { PostgresArray($0) })::text[], \(expiresAt))
            RETURNING id, name, prefix, scope, array_to_string(bots, ',') AS bots, created_at, last_used_at, expires_at
            """)
        guard let row = result.first else { throw DatabaseError.decoding("no key returned") }
        return try Self.info(row)
    }

    package func list(userID: Int) async throws -> [APIKeyInfo] {
        try await pool.query(
            """
            SELECT id, name, prefix, scope, array_to_string(bots, ',') AS bots, created_at, last_used_at, expires_at FROM api_keys
            WHERE user_id = \(userID) AND revoked_at IS NULL ORDER BY created_at DESC
            """
        ).rows.map(Self.info)
    }

    package func revoke(id: UUID, userID: Int) async throws -> String? {
        try await pool.query(
            """
            UPDATE api_keys SET revoked_at = now() WHERE id = \(id) AND user_id = \(userID) AND revoked_at IS NULL
            RETURNING key_hash
            """
        ).first?.decode("key_hash")
    }

    package func grant(hash: String) async throws -> APIKeyGrant? {
        guard
            let row = try await pool.query(
                "SELECT id, user_id, scope, array_to_string(bots, ',') AS bots, expires_at FROM api_keys WHERE key_hash = \(hash) AND revoked_at IS NULL"
            ).first
        else { return nil }
        return APIKeyGrant(
            keyID: try row.decode("id"), userID: try row.decode("user_id"),
            scope: APIKeyScope(rawValue: try row.decode("scope")) ?? .inference,
            bots: BotAccess(try Self.bots(row)),
            expiresAt: try row.decodeIfPresent("expires_at"))
    }

    package func touch(ids: [UUID]) async throws {
        _ = try await pool.query(
            "UPDATE api_keys SET last_used_at = now() WHERE id = ANY(\(PostgresArray(ids))::uuid[])")
    }

    /// A key's bot list, read as `array_to_string(bots, ',')` (bot names hold no commas).
    private static func bots(_ row: Row) throws -> [String]? {
        (try row.decodeIfPresent("bots") as String?).map { $0.split(separator: ",").map(String.init) }
    }

    private static func info(_ row: Row) throws -> APIKeyInfo {
        APIKeyInfo(
            id: try row.decode("id"), name: try row.decode("name"), prefix: try row.decode("prefix"),
            scope: APIKeyScope(rawValue: try row.decode("scope")) ?? .inference, bots: try Self.bots(row),
            createdAt: try row.decode("created_at"),
            lastUsedAt: try row.decodeIfPresent("last_used_at"),
            expiresAt: try row.decodeIfPresent("expires_at"))
    }
}
