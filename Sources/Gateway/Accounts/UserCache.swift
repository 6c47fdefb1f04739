import NIOConcurrencyHelpers

/// Users by id, kept for a short time so a bearer check costs no database round trip.
///
/// Freshness: entries are dropped when PostgreSQL reports a change (`UserChangeListener`,
/// LISTEN/NOTIFY on a trigger of `users`, which also fires for plain-SQL deletes), and
/// expire after `ttl` in any case. The cache only serves while the listener is connected;
/// otherwise every check goes to the database. A generation number keeps a lookup that
/// raced with an invalidation from storing what it read.
final class UserCache: Sendable {
    private struct Entry {
        let user: User
        let expires: ContinuousClock.Instant
    }

    private struct State {
        var entries: [Int: Entry] = [:]
        var generation: UInt64 = 0
        var enabled = false
    }

    private let state = NIOLockedValueBox(State())
    let ttl: Duration
    let capacity: Int

    init(ttl: Duration, capacity: Int = 100_000) {
        self.ttl = ttl
        self.capacity = capacity
    }

    /// The cached user, or nil (unknown, expired, or the cache is not serving).
    func user(id: Int, now: ContinuousClock.Instant = .now) -> User? {
        state.withLockedValue { state in
            guard state.enabled, let entry = state.entries[id] else { return nil }
            guard entry.expires > now else {
                state.entries[id] = nil
                return nil
            }
            return entry.user
        }
    }

    /// The generation to pass to `store` after reading from the database; nil when the
    /// cache is not serving.
    var generation: UInt64? {
        state.withLockedValue { $0.enabled ? $0.generation : nil }
    }

    /// Keeps `user` unless anything was invalidated since `generation` was read.
    func store(_ user: User, generation: UInt64, now: ContinuousClock.Instant = .now) {
        state.withLockedValue { state in
            guard state.enabled, state.generation == generation else { return }
            if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[user.id] = Entry(user: user, expires: now + ttl)
        }
    }

    /// Drops one user (nil: everyone).
    func invalidate(id: Int?) {
        state.withLockedValue { state in
            state.generation &+= 1
            if let id { state.entries[id] = nil } else { state.entries.removeAll() }
        }
    }

    /// Starts or stops serving; either way the cache starts empty.
    func setServing(_ serving: Bool) {
        state.withLockedValue { state in
            state.generation &+= 1
            state.entries.removeAll()
            state.enabled = serving
        }
    }

    var isServing: Bool { state.withLockedValue { $0.enabled } }
}

/// A `UserRepository` whose `find(id:)` goes through a `UserCache`.
struct CachedUserRepository: UserRepository {
    let base: any UserRepository
    let cache: UserCache

    func find(id: Int) async throws -> User? {
        if let user = cache.user(id: id) { return user }
        let generation = cache.generation
        let user = try await base.find(id: id)
        if let user, let generation { cache.store(user, generation: generation) }
        return user
    }

    func create(name: String, email: String, passwordHash: String) async throws -> User {
        try await base.create(name: name, email: email, passwordHash: passwordHash)
    }

    func credentials(email: String) async throws -> UserCredentials? {
        try await base.credentials(email: email)
    }

    func updatePasswordHash(userID: Int, hash: String) async throws {
        try await base.updatePasswordHash(userID: userID, hash: hash)
    }
}
