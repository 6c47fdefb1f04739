import Foundation
import GatewayCore
import Logging
import NIOConcurrencyHelpers

/// Writes API keys' `last_used_at` off the request path: keys used since the last write
/// are collected (one entry per key, so the set is bounded by the number of keys) and
/// written in one statement every `interval`, and once more at shutdown. A crash loses at
/// most one interval of `last_used_at` updates (`BatchWriter` says when a write is retried).
package final class KeyUseRecorder: BatchWriter, Sendable {
    private let keys: any APIKeyRepository
    package let interval: Duration
    package let logs: DampedLog
    package let gate = FlushGate()
    private let pending = NIOLockedValueBox<Set<UUID>>([])

    package init(keys: any APIKeyRepository, interval: Duration = .seconds(60), logs: DampedLog) {
        self.keys = keys
        self.interval = interval
        self.logs = logs
    }

    /// Notes a use; costs a set insertion.
    package func note(_ keyID: UUID) {
        pending.withLockedValue { _ = $0.insert(keyID) }
    }

    /// Writes what was noted; while the database is unreachable the keys stay noted.
    package func writeBatch() async {
        let ids = pending.withLockedValue { pending in
            defer { pending.removeAll() }
            return Array(pending)
        }
        guard ids.isEmpty == false else { return }
        await write(
            "recording API key use", body: { try await keys.touch(ids: ids) },
            keep: {
                pending.withLockedValue { $0.formUnion(ids) }
            })
    }
}
