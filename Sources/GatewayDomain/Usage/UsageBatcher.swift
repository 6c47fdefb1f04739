import BotKit
import Foundation
import GatewayCore
import Logging
import NIOConcurrencyHelpers

/// Usage of calls that store no turn (`/v1` without `X-Conversation-Id`), written off the
/// request path: calls are summed per user, bot and key in memory (so the buffer is bounded by
/// the users, bots and keys active in one interval) and written in one statement every
/// `interval` and at shutdown (`BatchWriter`). A crash loses at most one interval of that
/// usage. Turns that are stored carry their usage in their own commit instead.
package final class UsageBatcher: BatchWriter, Sendable {
    private struct Key: Hashable {
        package let userID: Int
        package let bot: String
        package let keyID: UUID?
    }

    private let usage: any UsageRepository
    package let interval: Duration
    package let logs: DampedLog
    package let gate = FlushGate()
    private let pending = NIOLockedValueBox<[Key: UsageEntry]>([:])

    package init(usage: any UsageRepository, interval: Duration = .seconds(1), logs: DampedLog) {
        self.usage = usage
        self.interval = interval
        self.logs = logs
    }

    /// Adds one call; costs a dictionary update.
    package func note(_ entry: UsageEntry) {
        pending.withLockedValue { add(entry, to: &$0) }
    }

    /// True while noted usage waits for a write.
    package var hasPending: Bool { pending.withLockedValue { $0.isEmpty == false } }

    /// Writes what was noted; while the database is unreachable it stays noted.
    package func writeBatch() async {
        let entries = pending.withLockedValue { pending in
            defer { pending.removeAll() }
            return Array(pending.values)
        }
        guard entries.isEmpty == false else { return }
        // A write that committed but whose reply was lost is kept too, and so counted twice
        // (docs/api.md says so).
        await write(
            "recording usage", body: { try await usage.record(entries) },
            keep: {
                pending.withLockedValue { pending in for entry in entries { add(entry, to: &pending) } }
            })
    }

    private func add(_ entry: UsageEntry, to pending: inout [Key: UsageEntry]) {
        pending[Key(userID: entry.userID, bot: entry.bot, keyID: entry.keyID), default: entry.zeroed].add(entry)
    }
}

extension UsageEntry {
    /// The same user, bot and key with no calls.
    fileprivate var zeroed: UsageEntry {
        var zero = self
        zero.requests = 0
        zero.inputTokens = 0
        zero.outputTokens = 0
        zero.cachedInputTokens = 0
        zero.costNanos = 0
        return zero
    }
}
