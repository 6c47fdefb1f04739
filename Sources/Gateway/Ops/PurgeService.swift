import Foundation
import Logging
import Postgres
import ServiceLifecycle

/// Deletes expired and long-revoked refresh tokens, and ended throttle windows,
/// periodically, off the request path.
struct PurgeService: Service {
    let sessions: any SessionRepository
    let throttles: PostgresThrottle?
    let securityEvents: SecurityEventLog?
    /// `SECURITY_EVENTS_RETENTION_DAYS`.
    let securityEventsRetention: Duration
    let interval: Duration
    /// Revoked tokens are kept this long so reuse can still be detected.
    let retention: Duration
    let logger: Logger

    func run() async throws {
        while Task.isCancelled == false && Task.isShuttingDownGracefully == false {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            await PostgresPool.$isBackground.withValue(true) { await purgeOnce() }
        }
    }

    /// One round: each kind of row on its own, so one failing leaves the others purged.
    func purgeOnce() async {
        do {
            let removed = try await sessions.purge(before: Date().addingTimeInterval(-retention.timeInterval))
            if removed > 0 { logger.info("purged refresh tokens", metadata: ["count": "\(removed)"]) }
        } catch {
            logger.warning("refresh token purge failed", metadata: ["error": "\(error)"])
        }
        do {
            _ = try await securityEvents?.purge(retention: securityEventsRetention)
        } catch {
            logger.warning("security event purge failed", metadata: ["error": "\(error)"])
        }
        do {
            _ = try await throttles?.purge()
        } catch {
            logger.warning("throttle purge failed", metadata: ["error": "\(error)"])
        }
    }
}

/// Closes the database pool after the HTTP server has drained.
struct DatabaseShutdownService: Service {
    let pool: PostgresPool
    let hasher: PasswordHasher

    func run() async throws {
        try? await gracefulShutdown()
        await pool.shutdown()
        await hasher.shutdown()
    }
}

/// Runs the user cache's invalidation listener while the server runs.
struct UserCacheService: Service {
    let listener: UserChangeListener

    func run() async throws {
        listener.start()
        try? await gracefulShutdown()
        listener.stop()
    }
}
