import Foundation
import GatewayCore
import GatewayDomain
import Synchronization

/// `UsageRepository` in this process's memory, with `PostgresUsageRepository`'s rules:
/// calls added per user, bot and UTC day (and per key for calls made with one), usage of
/// users that are gone dropped, request leases capped at `limit + count` per minute.
package final class InMemoryUsageRepository: UsageRepository {
    /// One row of `usage_daily` (`keyID` nil) or of `usage_by_key`.
    package struct Row: Sendable, Equatable {
        package let userID: Int
        package let bot: String
        package let keyID: UUID?
        package let day: String
        package var counts: UsageEntry
    }

    private struct Minute: Hashable {
        let userID: Int
        let minute: Date
    }

    private struct State {
        var daily: [String: Row] = [:]
        var byKey: [String: Row] = [:]
        var leases: [Minute: Int] = [:]
    }

    private let state = Mutex(State())
    private let users: InMemoryUserRepository
    private let now: @Sendable () -> Date

    package init(users: InMemoryUserRepository, now: @escaping @Sendable () -> Date = { Date() }) {
        self.users = users
        self.now = now
    }

    package func record(_ entries: [UsageEntry]) async throws {
        let day = UTCDay.string(now())
        // A user deleted since the calls takes their usage along (never a failed batch).
        let entries = entries.filter { users.row($0.userID) != nil }
        state.withLock { state in
            for entry in entries {
                Self.add(entry, to: &state.daily, key: nil, day: day)
                if let key = entry.keyID { Self.add(entry, to: &state.byKey, key: key, day: day) }
            }
        }
    }

    private static func add(_ entry: UsageEntry, to table: inout [String: Row], key: UUID?, day: String) {
        let id = "\(key.map { $0.lowercasedString } ?? String(entry.userID))|\(entry.bot)|\(day)"
        var counts = entry
        counts.keyID = key
        if table[id] == nil {
            table[id] = Row(userID: entry.userID, bot: entry.bot, keyID: key, day: day, counts: counts)
        } else {
            table[id]!.counts.add(counts)
        }
    }

    package func usage(userID: Int, from: String, to: String) async throws -> [UsageRow] {
        rows(byKey: false).filter { $0.userID == userID && $0.day >= from && $0.day <= to }
            .map { row in
                UsageRow(
                    day: row.day, bot: row.bot, requests: row.counts.requests, inputTokens: row.counts.inputTokens,
                    outputTokens: row.counts.outputTokens)
            }
    }

    package func leaseRequests(userID: Int, minute: Date, count: Int, limit: Int) async throws -> Int {
        state.withLock { state in
            let key = Minute(userID: userID, minute: minute)
            let leased = min((state.leases[key] ?? 0) + count, limit + count)
            state.leases[key] = leased
            state.leases = state.leases.filter { $0.key.userID != userID || $0.key.minute >= minute - 300 }
            return leased
        }
    }

    package func tokensToday(userID: Int) async throws -> (used: Int, secondsLeft: Int) {
        let now = now()
        let today = UTCDay.string(now)
        let used = rows(byKey: false).filter { $0.userID == userID && $0.day == today }
            .reduce(0) { $0 + $1.counts.inputTokens + $1.counts.outputTokens }
        return (used, max(1, Int(UTCDay.start(of: now, adding: 1).timeIntervalSince(now).rounded(.up))))
    }

    /// The rows of `usage_daily` (or of `usage_by_key`) of users still there, by day then bot.
    package func rows(byKey: Bool) -> [Row] {
        let rows = state.withLock { byKey ? Array($0.byKey.values) : Array($0.daily.values) }
        return rows.filter { users.row($0.userID) != nil }
            .sorted { ($0.day, $0.bot, $0.keyID?.lowercasedString ?? "") < ($1.day, $1.bot, $1.keyID?.lowercasedString ?? "") }
    }
}
