import GatewayCore
import Postgres

/// Storage of users.
public protocol UserRepository: Sendable {
    /// Creates a user; throws `AccountError.emailTaken` when the email exists in any case.
    func create(name: String, email: String, passwordHash: String) async throws -> User
    /// Looks an enabled user up by email, ignoring letter case (a disabled one is nobody).
    func credentials(email: String) async throws -> UserCredentials?
    /// Looks an enabled user up by id (a disabled one is nobody: its tokens stop working).
    func find(id: Int) async throws -> User?
    /// Replaces a password hash (after a successful login with an outdated one).
    func updatePasswordHash(userID: Int, hash: String) async throws
}

/// `UserRepository` on PostgreSQL.
package struct PostgresUserRepository: UserRepository {
    package let pool: PostgresPool

    package init(pool: PostgresPool) {
        self.pool = pool
    }

    package func create(name: String, email: String, passwordHash: String) async throws -> User {
        do {
            let result = try await pool.query(
                "INSERT INTO users (name, email, hashed_password) VALUES (\(name), \(email), \(passwordHash)) RETURNING id")
            guard let row = result.first else { throw DatabaseError.decoding("no id returned") }
            return User(id: try row.decode("id"), name: name, email: email)
        } catch DatabaseError.uniqueViolation {
            throw AccountError.emailTaken
        }
    }

    package func credentials(email: String) async throws -> UserCredentials? {
        let result = try await pool.query(
            "SELECT id, name, email, hashed_password FROM users WHERE lower(email) = lower(\(email)) AND disabled_at IS NULL")
        guard let row = result.first else { return nil }
        return UserCredentials(
            user: User(id: try row.decode("id"), name: try row.decode("name"), email: try row.decode("email")),
            passwordHash: try row.decode("hashed_password"))
    }

    package func find(id: Int) async throws -> User? {
        let result = try await pool.query("SELECT id, name, email FROM users WHERE id = \(id) AND disabled_at IS NULL")
        guard let row = result.first else { return nil }
        return User(id: try row.decode("id"), name: try row.decode("name"), email: try row.decode("email"))
    }

    package func updatePasswordHash(userID: Int, hash: String) async throws {
        _ = try await pool.query("UPDATE users SET hashed_password = \(hash) WHERE id = \(userID)")
    }
}
