import GatewayCore
import Synchronization

/// `UserRepository` in this process's memory: what `PostgresUserRepository` does, for
/// tests of the domain without a database (and held to the same contract by
/// `RepositoryContractTests`). Emails are unique ignoring letter case.
package final class InMemoryUserRepository: UserRepository {
    private struct Row {
        var user: User
        var passwordHash: String
        var disabled = false
    }

    private let rows = Mutex<[Int: Row]>([:])

    package init() {}

    package func create(name: String, email: String, passwordHash: String) async throws -> User {
        try rows.withLock { rows in
            guard rows.values.contains(where: { $0.user.email.lowercased() == email.lowercased() }) == false else {
                throw AccountError.emailTaken
            }
            let user = User(id: (rows.keys.max() ?? 0) + 1, name: name, email: email)
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
        rows.withLock { rows in rows[userID]?.disabled = true }
    }
}
