import Foundation
import Logging
import Testing

@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayMemory

/// The accounts domain on in-memory repositories: no database, no HTTP (run by
/// `scripts/test --unit`). What the routes add on top is tested in `AuthTests`.
@Suite struct AccountServiceUnitTests {
    /// An account service on fakes, with cheap hashing and small throttle limits.
    static func service(
        users: InMemoryUserRepository = InMemoryUserRepository(),
        sessions: InMemorySessionRepository = InMemorySessionRepository(), grace: Duration = .seconds(60)
    ) async throws -> AccountService {
        var logger = Logger(label: "unit")
        logger.logLevel = .critical
        return AccountService(
            users: users, sessions: sessions,
            hasher: try PasswordHasher(
                parameters: Argon2Parameters(timeCost: 1, memoryKiB: 1024, parallelism: 1), threads: 1, niceness: 0),
            tokens: await AccessTokens(secret: String(repeating: "k", count: 64), lifetime: .seconds(900)),
            policy: RefreshPolicy(lifetime: .seconds(3600), maxSessionLifetime: .seconds(86_400), reuseGrace: grace),
            throttles: Throttles(window: .seconds(60), capacity: 1000),
            limits: ThrottleConfig(
                maxFailuresPerEmailAndIP: 3, maxFailuresPerIP: 100, maxRefreshesPerIP: 100, maxRegistrationsPerIP: 100,
                window: .seconds(60), shared: false),
            events: SecurityEvents(logger: logger), logger: logger)
    }

    static let client = ClientInfo(userAgent: "unit", ip: "192.0.2.1")

    @Test func registerLoginRefreshAndLogout() async throws {
        let accounts = try await Self.service()
        let user = try await accounts.register(name: "Ada", email: "ada@example.com", password: "Passw0rd!", client: Self.client)
        await #expect(throws: AccountError.emailTaken) {
            _ = try await accounts.register(name: "Ada", email: "ADA@example.com", password: "x", client: Self.client)
        }
        let grant = try await accounts.login(email: "ada@example.com", password: "Passw0rd!", client: Self.client)
        #expect(try await accounts.tokens.verify(grant.accessToken)?.uid == user.id)
        let next = try await accounts.refresh(token: grant.refreshToken, client: Self.client)
        #expect(next.refreshToken != grant.refreshToken)
        #expect(next.sessionID == grant.sessionID)
        let me = AuthenticatedUser(id: user.id, name: user.name, email: user.email)
        #expect(try await accounts.listSessions(user: me, currentToken: next.refreshToken).map(\.current) == [true])
        try await accounts.logout(token: next.refreshToken, user: me)
        await #expect(throws: AccountError.invalidRefreshToken) {
            _ = try await accounts.refresh(token: next.refreshToken, client: Self.client)
        }
    }

    @Test func wrongPasswordsAreThrottledPerEmailAndAddress() async throws {
        let accounts = try await Self.service()
        _ = try await accounts.register(name: "Bo", email: "bo@example.com", password: "Passw0rd!", client: Self.client)
        for _ in 0..<3 {
            await #expect(throws: AccountError.invalidCredentials) {
                _ = try await accounts.login(email: "bo@example.com", password: "wrong", client: Self.client)
            }
        }
        await #expect(throws: AccountError.self) {
            _ = try await accounts.login(email: "bo@example.com", password: "Passw0rd!", client: Self.client)
        }
        // Another address is not held back by this one's failures.
        let other = ClientInfo(userAgent: "unit", ip: "192.0.2.2")
        _ = try await accounts.login(email: "bo@example.com", password: "Passw0rd!", client: other)
    }

    /// Two tabs refreshing at once both stay signed in; a stolen token replayed after the
    /// grace period logs the session out.
    @Test func aConcurrentRefreshGetsTheSuccessorAndALateReplayRevokes() async throws {
        let accounts = try await Self.service()
        _ = try await accounts.register(name: "Cy", email: "cy@example.com", password: "Passw0rd!", client: Self.client)
        let grant = try await accounts.login(email: "cy@example.com", password: "Passw0rd!", client: Self.client)
        let first = try await accounts.refresh(token: grant.refreshToken, client: Self.client)
        let second = try await accounts.refresh(token: grant.refreshToken, client: Self.client)
        #expect(second.refreshToken == first.refreshToken)

        let strict = try await Self.service(grace: .zero)
        _ = try await strict.register(name: "Di", email: "di@example.com", password: "Passw0rd!", client: Self.client)
        let stolen = try await strict.login(email: "di@example.com", password: "Passw0rd!", client: Self.client)
        let rotated = try await strict.refresh(token: stolen.refreshToken, client: Self.client)
        await #expect(throws: AccountError.invalidRefreshToken) {
            _ = try await strict.refresh(token: stolen.refreshToken, client: Self.client)
        }
        await #expect(throws: AccountError.invalidRefreshToken) {
            _ = try await strict.refresh(token: rotated.refreshToken, client: Self.client)
        }
    }

    @Test func aDisabledUserCannotLogInOrRefresh() async throws {
        let users = InMemoryUserRepository()
        let accounts = try await Self.service(users: users)
        let user = try await accounts.register(name: "Ed", email: "ed@example.com", password: "Passw0rd!", client: Self.client)
        let grant = try await accounts.login(email: "ed@example.com", password: "Passw0rd!", client: Self.client)
        users.disable(userID: user.id)
        await #expect(throws: AccountError.invalidCredentials) {
            _ = try await accounts.login(email: "ed@example.com", password: "Passw0rd!", client: Self.client)
        }
        await #expect(throws: AccountError.invalidRefreshToken) {
            _ = try await accounts.refresh(token: grant.refreshToken, client: Self.client)
        }
    }
}
