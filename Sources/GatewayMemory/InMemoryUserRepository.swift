import Foundation
import GatewayCore
import GatewayDomain
import Synchronization

/// `UserRepository` in this process's memory: what `PostgresUserRepository` does, for
/// tests of the domain without a database (and held to the same contract by
/// `RepositoryContractTests`). Emails are unique ignoring letter case. The other in-memory
/// stores read it as PostgreSQL's tables read `users` (owners, emails, cascades).
package final class InMemoryUserRepository: UserRepository {
    /// A stored user, as administrators see it too.
    package struct Row: Sendable {
        package var user: User
        package var passwordHash: String
        package var isAdmin = false
        package var disabled = false
    }

    private let rows = Mutex<[Int: Row]>([:])
    /// Ids are never reused, as a sequence's are not.
    private let lastID = Atomic<Int>(0)

    package init() {}

    package func create(name: String, email: String, passwordHash: String) async throws -> User {
        try rows.withLock { rows in
            guard rows.values.contains(where: { $0.user.email.lowercased() == email.lowercased() }) == false else {
                throw AccountError.emailTaken
            }
            let user = User(id: lastID.add(1, ordering: .relaxed).newValue, name: name, email: email)
            rows[user.id] = Row(user: user, passwordHash: passwordHash)
            return user
        }
    }

    package func credentials(email: String) async throws -> UserCredentials? {
        rows.withLock { rows in
            rows.values.first { $0.disabled == false && $0.user.email.lowercased() == email.lowercased() }
                .map { UserCredentials(user: $0.user, passwordHash: $0.passwordHash) }
        }
    }

    package func find(id: Int) async throws -> User? {
        rows.withLock { rows in rows[id].flatMap { $0.disabled ? nil : $0.user } }
    }

    package func updatePasswordHash(userID: Int, hash: String) async throws {
        rows.withLock { rows in rows[userID]?.passwordHash = hash }
    }

    /// Disables a user (what an administrator does): they are nobody from then on.
    package func disable(userID: Int) {
        _ = update(userID) { $0.disabled = true }
    }

    /// Every user, by id (disabled ones included).
    package func all() -> [Row] {
        rows.withLock { rows in rows.values.sorted { $0.user.id < $1.user.id } }
    }

    /// One user (disabled or not).
    package func row(_ id: Int) -> Row? { rows.withLock { $0[id] } }

    /// Changes one user; false when there is none.
    package func update(_ id: Int, _ change: (inout Row) -> Void) -> Bool {
        rows.withLock { rows in
            guard rows[id] != nil else { return false }
            change(&rows[id]!)
            return true
        }
    }

    /// The id of the user with this email (any case).
    package func id(email: String) -> Int? {
        rows.withLock { rows in rows.values.first { $0.user.email.lowercased() == email.lowercased() }?.user.id }
    }

    /// Deletes a user; false when there was none. (The other stores drop what it owned.)
    package func remove(_ id: Int) -> Bool {
        rows.withLock { $0.removeValue(forKey: id) != nil }
    }
}
