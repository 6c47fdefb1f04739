import Foundation
import GatewayCore
import GatewayDomain
import Synchronization

/// `APIKeyRepository` in this process's memory, with `PostgresAPIKeyRepository`'s rules: a
/// key belongs to an existing user, only its hash is kept, revoked keys grant nothing and
/// leave the owner's list.
package final class InMemoryAPIKeyRepository: APIKeyRepository {
    /// A stored key.
    package struct Row: Sendable {
        package var info: APIKeyInfo
        package let userID: Int
        package let hash: String
        package var revoked = false
    }

    private let rows = Mutex<[UUID: Row]>([:])
    private let users: InMemoryUserRepository
    private let now: @Sendable () -> Date

    package init(users: InMemoryUserRepository, now: @escaping @Sendable () -> Date = { Date() }) {
        self.users = users
        self.now = now
    }

    package func create(
        userID: Int, name: String, prefix: String, hash: String, scope: APIKeyScope, bots: [String]?, expiresAt: Date?
    ) async throws -> APIKeyInfo {
        // As the foreign key does: no key for a user that is not there.
        guard users.row(userID) != nil else { throw InMemoryStoreError.foreignKey("api_keys.user_id") }
        let id = UUID.random()
        let info = APIKeyInfo(
            id: id.lowercasedString, name: name, prefix: prefix, scope: scope, bots: bots, createdAt: now(), lastUsedAt: nil,
            expiresAt: expiresAt)
        rows.withLock { $0[id] = Row(info: info, userID: userID, hash: hash) }
        return info
    }

    package func list(userID: Int) async throws -> [APIKeyInfo] {
        rows.withLock { rows in
            rows.values.filter { $0.userID == userID && $0.revoked == false }.map(\.info)
                .sorted { $0.createdAt > $1.createdAt }
        }
    }

    package func revoke(id: UUID, userID: Int) async throws -> String? {
        rows.withLock { rows in
            guard let row = rows[id], row.userID == userID, row.revoked == false else { return nil }
            rows[id]?.revoked = true
            return row.hash
        }
    }

    package func grant(hash: String) async throws -> APIKeyGrant? {
        rows.withLock { rows in
            rows.first { $0.value.hash == hash && $0.value.revoked == false }.map { id, row in
                APIKeyGrant(
                    keyID: id, userID: row.userID, scope: row.info.scope, bots: BotAccess(row.info.bots),
                    expiresAt: row.info.expiresAt)
            }
        }
    }

    package func touch(ids: [UUID]) async throws {
        let now = now()
        rows.withLock { rows in
            for id in ids where rows[id] != nil {
                let info = rows[id]!.info
                rows[id]!.info = APIKeyInfo(
                    id: info.id, name: info.name, prefix: info.prefix, scope: info.scope, bots: info.bots,
                    createdAt: info.createdAt,
                    lastUsedAt: now, expiresAt: info.expiresAt)
            }
        }
    }

    /// Every key, revoked ones included (what administrators list).
    package func all() -> [(id: UUID, row: Row)] {
        rows.withLock { rows in rows.map { ($0.key, $0.value) } }
    }

    /// The owner of a key, if the key exists.
    package func owner(of id: UUID) -> Int? { rows.withLock { $0[id]?.userID } }

    /// Drops the keys of a deleted user (the foreign key's cascade).
    package func removeAll(userID: Int) {
        rows.withLock { rows in rows = rows.filter { $0.value.userID != userID } }
    }
}

/// What an in-memory store refuses where PostgreSQL's constraints would.
package enum InMemoryStoreError: Error, Equatable {
    /// A row naming something that does not exist (the constraint's column).
    case foreignKey(String)
}
