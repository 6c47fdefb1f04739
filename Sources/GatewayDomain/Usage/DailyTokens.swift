import GatewayCore
import NIOConcurrencyHelpers

/// Users' tokens today as this replica knows them: read from PostgreSQL at most once a
/// second per user, plus what this replica's own calls added since. The daily quota so
/// costs no round trip per request; other replicas' calls reach it up to a second late.
/// Bounded: at most `maxUsers` users (then it starts over).
package final class DailyTokens: Sendable {
    package struct Entry {
        package var read: ContinuousClock.Instant
        package var used: Int
        package var dayEnds: ContinuousClock.Instant
    }

    package static let freshness: Duration = .seconds(1)
    package static let maxUsers = 100_000
    private let entries = NIOLockedValueBox<[Int: Entry]>([:])

    /// The user's tokens today and the seconds left in the day, when read within a second.
    package func cached(userID: Int, now: ContinuousClock.Instant = .now) -> (used: Int, secondsLeft: Int)? {
        entries.withLockedValue { entries in
            guard let entry = entries[userID], now - entry.read < Self.freshness, now < entry.dayEnds else { return nil }
            return (entry.used, max(1, Int(((entry.dayEnds - now) / .seconds(1)).rounded(.up))))
        }
    }

    /// Keeps what the database said.
    package func store(userID: Int, used: Int, secondsLeft: Int, now: ContinuousClock.Instant = .now) {
        entries.withLockedValue { entries in
            if entries.count >= Self.maxUsers, entries[userID] == nil { entries.removeAll(keepingCapacity: true) }
            entries[userID] = Entry(read: now, used: used, dayEnds: now + .seconds(secondsLeft))
        }
    }

    /// Adds tokens this replica's call used.
    package func add(userID: Int, tokens: Int) {
        entries.withLockedValue { entries in entries[userID]?.used += tokens }
    }
}
