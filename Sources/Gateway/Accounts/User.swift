/// A user as the API shows it: exactly `id`, `name`, `email`.
public struct User: Codable, Sendable, Equatable {
    public let id: Int
    public let name: String
    public let email: String
}

/// The user attached to an authenticated request.
public struct AuthenticatedUser: Sendable, Equatable {
    public let id: Int
    public let name: String
    public let email: String

    var user: User { User(id: id, name: name, email: email) }
}

/// A user with the stored password hash, for login only.
public struct UserCredentials: Sendable {
    public let user: User
    public let passwordHash: String
}
