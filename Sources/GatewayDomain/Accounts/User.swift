import Foundation
import GatewayCore

/// A user as the API shows it: exactly `id`, `name`, `email`.
public struct User: Codable, Sendable, Equatable {
    public let id: Int
    public let name: String
    public let email: String

    /// Every member (the memberwise initializer, open to the package's other stores).
    package init(id: Int, name: String, email: String) {
        self.id = id
        self.name = name
        self.email = email
    }
}

/// The user attached to an authenticated request.
public struct AuthenticatedUser: Sendable, Equatable {
    public let id: Int
    public let name: String
    public let email: String
    /// What the request presented.
    public var credential: Credential = .accessToken
    /// The bots it may call: every bot, unless its API key names some.
    public var bots: BotAccess = .everyBot

    package init(
        id: Int, name: String, email: String, credential: Credential = .accessToken, bots: BotAccess = .everyBot
    ) {
        self.id = id
        self.name = name
        self.email = email
        self.credential = credential
        self.bots = bots
    }

    /// How a request authenticated.
    public enum Credential: Sendable, Equatable {
        /// A JWT from a password login: may manage the account, API keys included.
        case accessToken
        /// A personal API key (its id), within its scope; never mints further keys.
        case apiKey(UUID, scope: APIKeyScope)
    }

    /// Whether the request may manage the account (sessions, keys, conversations, usage):
    /// an access token, or a key of scope `full`.
    public var managesAccount: Bool {
        if case .apiKey(_, .inference) = credential { return false }
        return true
    }

    package var user: User { User(id: id, name: name, email: email) }

    /// The API key the request presented (nil: an access token).
    public var keyID: UUID? {
        if case .apiKey(let id, _) = credential { return id }
        return nil
    }
}

/// A user with the stored password hash, for login only.
public struct UserCredentials: Sendable {
    public let user: User
    public let passwordHash: String

    /// Every member (the memberwise initializer, open to the package's other stores).
    package init(user: User, passwordHash: String) {
        self.user = user
        self.passwordHash = passwordHash
    }
}
