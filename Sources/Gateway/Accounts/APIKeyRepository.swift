import Foundation

/// A personal API key as listed (never its secret).
public struct APIKeyInfo: Codable, Sendable, Equatable {
    public let id: String
    public let name: String
    public let prefix: String
    public let createdAt: Date
    public let lastUsedAt: Date?
    public let expiresAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, name, prefix
        case createdAt = "created_at"
        case lastUsedAt = "last_used_at"
        case expiresAt = "expires_at"
    }
}

/// Storage of API keys; secrets are stored as SHA-256 hex.
public protocol APIKeyRepository: Sendable {
    func create(userID: Int, name: String, prefix: String, hash: String, expiresAt: Date?) async throws -> APIKeyInfo
    func list(userID: Int) async throws -> [APIKeyInfo]
    /// Revokes a key of the user; false when it is not theirs or already revoked.
    func revoke(id: UUID, userID: Int) async throws -> Bool
    /// The user owning an active key, marking it used; nil for unknown, revoked or expired keys.
    func authenticate(hash: String) async throws -> User?
}

/// Makes API key secrets: `gwk_` + 43 base64url characters (32 random bytes).
enum APIKeySecret {
    static let marker = "gwk_"

    static func make() -> String {
        marker + Data(randomBytes(32)).base64URLEncodedString
    }

    static func hash(_ secret: String) -> String { sha256Hex(secret) }

    /// What is shown of a key after creation: the marker and the first characters.
    static func prefix(_ secret: String) -> String { String(secret.prefix(12)) }
}

/// `APIKeyRepository` on PostgreSQL.
struct PostgresAPIKeyRepository: APIKeyRepository {
    let pool: PostgresPool

    func create(userID: Int, name: String, prefix: String, hash: String, expiresAt: Date?) async throws -> APIKeyInfo {
        let result = try await pool.query(
            """
            INSERT INTO api_keys (id, user_id, name, prefix, key_hash, expires_at)
            VALUES (\(UUID.random()), \(userID), \(name), \(prefix), \(hash), \(expiresAt))
            RETURNING id, name, prefix, created_at, last_used_at, expires_at
            """)
        guard let row = result.first else { throw DatabaseError.decoding("no key returned") }
        return try Self.info(row)
    }

    func list(userID: Int) async throws -> [APIKeyInfo] {
        try await pool.query(
            """
            SELECT id, name, prefix, created_at, last_used_at, expires_at FROM api_keys
            WHERE user_id = \(userID) AND revoked_at IS NULL ORDER BY created_at DESC
            """
        ).rows.map(Self.info)
    }

    func revoke(id: UUID, userID: Int) async throws -> Bool {
        try await pool.query(
            "UPDATE api_keys SET revoked_at = now() WHERE id = \(id) AND user_id = \(userID) AND revoked_at IS NULL"
        ).rowsAffected == 1
    }

    func authenticate(hash: String) async throws -> User? {
        let result = try await pool.query(
            """
            WITH key AS (
                SELECT id, user_id, last_used_at FROM api_keys
                WHERE key_hash = \(hash) AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
            ), touched AS (
                -- At most once a minute per key: a key used from many connections does not
                -- queue every request on its row lock.
                UPDATE api_keys a SET last_used_at = now() FROM key
                WHERE a.id = key.id AND (key.last_used_at IS NULL OR key.last_used_at < now() - interval '60 seconds')
            )
            SELECT u.id, u.name, u.email FROM users u JOIN key ON key.user_id = u.id
            """)
        guard let row = result.first else { return nil }
        return User(id: try row.decode("id"), name: try row.decode("name"), email: try row.decode("email"))
    }

    private static func info(_ row: Row) throws -> APIKeyInfo {
        APIKeyInfo(
            id: try row.decode("id"), name: try row.decode("name"), prefix: try row.decode("prefix"),
            createdAt: try row.decode("created_at"), lastUsedAt: try row.decodeIfPresent("last_used_at"),
            expiresAt: try row.decodeIfPresent("expires_at"))
    }
}
