import GatewayCore
import NIOConcurrencyHelpers
import Postgres

/// Values read from the database, kept for a short time so a bearer check costs no round
/// trip: users by id (`UserCache`), API keys by hash (`APIKeyCache`).
///
/// Freshness: entries are dropped when PostgreSQL reports a change (`UserChangeListener`,
/// LISTEN/NOTIFY on triggers of `users` and `api_keys`, which also fire for plain SQL), and
/// expire after `ttl` in any case. A cache only serves while the listener is connected;
/// otherwise every check goes to the database. A generation number keeps a lookup that
/// raced with an invalidation from storing what it read. At `capacity` it starts over.
package final class NotifiedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        package let value: Value
        package let expires: ContinuousClock.Instant
    }

    private struct State {
        package var entries: [Key: Entry] = [:]
        package var generation: UInt64 = 0
        package var enabled = false
        /// Reads under way, one per key: concurrent misses of one key share it.
        package var loading: [Key: Task<Value?, any Error>] = [:]
    }

    private let state = NIOLockedValueBox(State())
    package let ttl: Duration
    package let capacity: Int

    package init(ttl: Duration, capacity: Int = 100_000) {
        self.ttl = ttl
        self.capacity = capacity
    }

    /// The cached value, or nil (unknown, expired, or the cache is not serving).
    package func value(for key: Key, now: ContinuousClock.Instant = .now) -> Value? {
        state.withLockedValue { state in
            guard state.enabled, let entry = state.entries[key] else { return nil }
            guard entry.expires > now else {
                state.entries[key] = nil
                return nil
            }
            return entry.value
        }
    }

    /// The generation to pass to `store` after reading from the database; nil when the
    /// cache is not serving.
    package var generation: UInt64? {
        state.withLockedValue { $0.enabled ? $0.generation : nil }
    }

    /// Keeps `value` unless anything was invalidated since `generation` was read.
    package func store(_ value: Value, for key: Key, generation: UInt64, now: ContinuousClock.Instant = .now) {
        state.withLockedValue { state in
            guard state.enabled, state.generation == generation else { return }
            if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[key] = Entry(value: value, expires: now + ttl)
        }
    }

    /// Drops one entry (nil: every entry).
    package func invalidate(_ key: Key?) {
        state.withLockedValue { state in
            state.generation &+= 1
            if let key { state.entries[key] = nil } else { state.entries.removeAll() }
        }
    }

    /// Starts or stops serving; either way the cache starts empty.
    package func setServing(_ serving: Bool) {
        state.withLockedValue { state in
            state.generation &+= 1
            state.entries.removeAll()
            state.enabled = serving
        }
    }

    package var isServing: Bool { state.withLockedValue { $0.enabled } }

    /// The cached value, else `load()`'s, kept when nothing was invalidated meanwhile.
    /// Concurrent misses of one key wait for a single `load` (a burst of first requests,
    /// or every request when an entry expires, costs one read, not one each).
    package func value(for key: Key, load: @escaping @Sendable () async throws -> Value?) async throws -> Value? {
        if let value = value(for: key) { return value }
        let task = state.withLockedValue { state -> Task<Value?, any Error> in
            if let running = state.loading[key] { return running }
            let generation = state.enabled ? state.generation : nil
            let task = Task {
                defer { self.state.withLockedValue { $0.loading[key] = nil } }
                let value = try await load()
                if let value, let generation { self.store(value, for: key, generation: generation) }
                return value
            }
            state.loading[key] = task
            return task
        }
        return try await task.value
    }
}

/// Users by id.
package typealias UserCache = NotifiedCache<Int, User>

/// A `UserRepository` whose `find(id:)` goes through a `UserCache`.
package struct CachedUserRepository: UserRepository {
    package let base: any UserRepository
    package let cache: UserCache

    package init(base: any UserRepository, cache: UserCache) {
        self.base = base
        self.cache = cache
    }

    package func find(id: Int) async throws -> User? {
        try await cache.value(for: id) { try await base.find(id: id) }
    }

    package func create(name: String, email: String, passwordHash: String) async throws -> User {
        try await base.create(name: name, email: email, passwordHash: passwordHash)
    }

    package func credentials(email: String) async throws -> UserCredentials? {
        try await base.credentials(email: email)
    }

    package func updatePasswordHash(userID: Int, hash: String) async throws {
        try await base.updatePasswordHash(userID: userID, hash: hash)
    }
}
