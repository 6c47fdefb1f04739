import Foundation
import GatewayCore
import Postgres

/// API keys by hash.
package typealias APIKeyCache = NotifiedCache<String, APIKeyGrant>

/// Resolves an API key to its owner. When caches are warm it touches no database: the
/// grant comes from `APIKeyCache` (dropped at once when the key is revoked, deleted or
/// truncated, even by plain SQL: migration 0007's triggers), the owner from the user cache,
/// and `last_used_at` is noted for the next batch (`KeyUseRecorder`).
package struct APIKeyAuthenticator: Sendable {
    package let keys: any APIKeyRepository
    package let users: any UserRepository
    /// nil when caching is off (`USER_CACHE_SECONDS=0`): every check reads the database.
    package let cache: APIKeyCache?
    package let uses: KeyUseRecorder

    package init(keys: any APIKeyRepository, users: any UserRepository, cache: APIKeyCache? = nil, uses: KeyUseRecorder) {
        self.keys = keys
        self.users = users
        self.cache = cache
        self.uses = uses
    }

    /// Revokes a key of the user, dropping it from this gateway's cache before answering
    /// (other gateways hear of it through the trigger); false when there was none.
    package func revoke(id: UUID, userID: Int) async throws -> Bool {
        guard let hash = try await keys.revoke(id: id, userID: userID) else { return false }
        cache?.invalidate(hash)
        return true
    }

    /// The owner of an active key and the key; nil for an unknown, revoked or expired key.
    package func user(forKeyHash hash: String) async throws -> (User, APIKeyGrant)? {
        let grant: APIKeyGrant?
        if let cache {
            grant = try await cache.value(for: hash) { try await keys.grant(hash: hash) }
        } else {
            grant = try await keys.grant(hash: hash)
        }
        guard let grant, grant.isValid(), let user = try await users.find(id: grant.userID) else { return nil }
        uses.note(grant.keyID)
        return (user, grant)
    }
}
