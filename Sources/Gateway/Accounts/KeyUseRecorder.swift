import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Writes API keys' `last_used_at` off the request path: keys used since the last write
/// are collected (one entry per key, so the set is bounded by the number of keys) and
/// written in one statement every `interval`, and once more at shutdown. A crash loses at
/// most one interval of `last_used_at` updates; a failed write is retried with the next.
final class KeyUseRecorder: Service, Sendable {
    private let keys: any APIKeyRepository
    private let interval: Duration
    private let logs: DampedLog
    private let pending = NIOLockedValueBox<Set<UUID>>([])

    init(keys: any APIKeyRepository, interval: Duration = .seconds(60), logs: DampedLog) {
        self.keys = keys
        self.interval = interval
        self.logs = logs
    }

    /// Notes a use; costs a set insertion.
    func note(_ keyID: UUID) {
        pending.withLockedValue { _ = $0.insert(keyID) }
    }

    /// Writes what was noted; on failure the keys stay noted for the next write.
    func flush() async {
        let ids = pending.withLockedValue { pending in
            defer { pending.removeAll() }
            return Array(pending)
        }
        guard ids.isEmpty == false else { return }
        do {
            try await keys.touch(ids: ids)
        } catch let error as DatabaseError where error.isUnavailable {
            pending.withLockedValue { $0.formUnion(ids) }
            logs.error("recording API key use failed; kept for the next write", error: error)
        } catch {
            logs.error("recording API key use failed; dropped", error: error)
        }
    }

    func run() async throws {
        while Task.isCancelled == false && Task.isShuttingDownGracefully == false {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            } catch {
                break
            }
            await flush()
        }
        await flush()
    }
}
