import Foundation
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import Postgres

/// The in-memory repositories keep PostgreSQL's rules: each scenario runs against both, so a
/// domain test on the fakes means what it would mean on the database.
@Suite struct RepositoryContractTests {
    enum Store: String, CaseIterable, Sendable { case memory, postgres }

    /// Every repository of one store, as a gateway is given them.
    static func with(_ store: Store, _ body: (GatewayStores) async throws -> Void) async throws {
        switch store {
        case .memory:
            try await body(.inMemory())
        case .postgres:
            try await TestDatabase.withPool(try await TestDatabase.createMigrated()) { pool in
                try await body(.postgres(pool))
            }
        }
    }

    static let policy = RefreshPolicy(lifetime: .seconds(3600), maxSessionLifetime: .seconds(86_400), reuseGrace: .seconds(60))
    static let phone = ClientInfo(userAgent: "phone", ip: "10.0.0.1")
    static let laptop = ClientInfo(userAgent: "laptop", ip: "10.0.0.2")

    @Test(arguments: Store.allCases)
    func usersAreUniqueByEmailInAnyCase(store: Store) async throws {
        try await Self.with(store) { r in
            let ada = try await r.users.create(name: "Ada", email: "Ada@Example.com", passwordHash: "h1")
            await #expect(throws: AccountError.emailTaken) {
                _ = try await r.users.create(name: "Other", email: "ada@example.COM", passwordHash: "h2")
            }
            #expect(try await r.users.credentials(email: "ADA@example.com")?.user == ada)
            #expect(try await r.users.credentials(email: "ADA@example.com")?.passwordHash == "h1")
            try await r.users.updatePasswordHash(userID: ada.id, hash: "h3")
            #expect(try await r.users.credentials(email: "ada@example.com")?.passwordHash == "h3")
            #expect(try await r.users.find(id: ada.id) == ada)
            #expect(try await r.users.find(id: ada.id + 1000) == nil)
            #expect(try await r.users.credentials(email: "nobody@example.com") == nil)
        }
    }

    @Test(arguments: Store.allCases)
    func aTokenRotatesOnceThenGraceThenReuseRevokesTheSession(store: Store) async throws {
        try await Self.with(store) { r in
            let user = try await r.users.create(name: "Bo", email: "bo@example.com", passwordHash: "h")
            let session = try await r.sessions.start(userID: user.id, tokenHash: "t1", client: Self.phone, policy: Self.policy)
            #expect(try await r.sessions.owner(tokenHash: "t1") == user.id)
            #expect(try await r.sessions.sessionID(tokenHash: "t1") == session)
            let rotated = try await r.sessions.rotate(
                tokenHash: "t1", newTokenHash: "t2", sealedSuccessor: "sealed-t2", client: Self.laptop, policy: Self.policy)
            #expect(rotated == .rotated(userID: user.id, sessionID: session, previous: Self.phone))
            #expect(try await r.sessions.owner(tokenHash: "t1") == nil)
            #expect(try await r.sessions.owner(tokenHash: "t2") == user.id)
            // The same token again within the grace period: the successor it already got.
            let replay = try await r.sessions.rotate(
                tokenHash: "t1", newTokenHash: "t3", sealedSuccessor: "sealed-t3", client: Self.laptop, policy: Self.policy)
            #expect(replay == .concurrent(userID: user.id, sessionID: session, successor: "sealed-t2"))
            #expect(try await r.sessions.owner(tokenHash: "t3") == nil)
            // Past the grace period (none here): reuse, and the whole session is revoked.
            let strict = RefreshPolicy(lifetime: .seconds(3600), maxSessionLifetime: .seconds(86_400), reuseGrace: .zero)
            let reused = try await r.sessions.rotate(
                tokenHash: "t1", newTokenHash: "t4", sealedSuccessor: "sealed-t4", client: Self.laptop, policy: strict)
            #expect(reused == .reuseDetected(userID: user.id, sessionID: session))
            #expect(try await r.sessions.owner(tokenHash: "t2") == nil)
            let afterReuse = try await r.sessions.rotate(
                tokenHash: "t2", newTokenHash: "t5", sealedSuccessor: "sealed-t5", client: Self.laptop, policy: Self.policy)
            #expect(afterReuse == .revoked(userID: user.id))
            #expect(try await r.sessions.sessions(userID: user.id, policy: Self.policy).isEmpty)
            let unknown = try await r.sessions.rotate(
                tokenHash: "nope", newTokenHash: "t6", sealedSuccessor: "", client: Self.laptop, policy: Self.policy)
            #expect(unknown == .unknown)
        }
    }

    @Test(arguments: Store.allCases)
    func sessionsAreListedAndRevokedOnlyByTheirOwner(store: Store) async throws {
        try await Self.with(store) { r in
            let cy = try await r.users.create(name: "Cy", email: "cy@example.com", passwordHash: "h")
            let di = try await r.users.create(name: "Di", email: "di@example.com", passwordHash: "h")
            let first = try await r.sessions.start(userID: cy.id, tokenHash: "a1", client: Self.phone, policy: Self.policy)
            let second = try await r.sessions.start(userID: cy.id, tokenHash: "b1", client: Self.laptop, policy: Self.policy)
            _ = try await r.sessions.start(userID: di.id, tokenHash: "c1", client: Self.phone, policy: Self.policy)
            let listed = try await r.sessions.sessions(userID: cy.id, policy: Self.policy)
            #expect(Set(listed.map(\.id)) == [first, second])
            #expect(listed.allSatisfy { $0.expiresAt > Date() })
            #expect(try await r.sessions.revokeSession(id: first, userID: di.id) == false)
            #expect(try await r.sessions.revokeSession(id: first, userID: cy.id))
            #expect(try await r.sessions.revokeSession(id: first, userID: cy.id) == false)
            #expect(try await r.sessions.owner(tokenHash: "a1") == nil)
            #expect(try await r.sessions.revoke(tokenHash: "b1", userID: di.id) == false)
            #expect(try await r.sessions.revoke(tokenHash: "b1", userID: cy.id))
            #expect(try await r.sessions.revoke(tokenHash: "b1", userID: cy.id) == false)
            #expect(try await r.sessions.sessions(userID: cy.id, policy: Self.policy).isEmpty)
            #expect(try await r.sessions.revokeAll(userID: di.id) == 1)
            #expect(try await r.sessions.owner(tokenHash: "c1") == nil)
            #expect(try await r.sessions.revokeAll(userID: di.id) == 0)
            // Ended sessions go at the next purge past their end; none is left to list.
            #expect(try await r.sessions.purge(before: Date().addingTimeInterval(60)) == 3)
            #expect(try await r.sessions.sessionID(tokenHash: "a1") == nil)
        }
    }
}
