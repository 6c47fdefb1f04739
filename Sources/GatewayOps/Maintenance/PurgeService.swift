import Foundation
import GatewayCore
import GatewayDomain
import GatewayHTTP
import Logging
import Postgres
import ServiceLifecycle

/// Deletes expired and long-revoked refresh tokens, and ended throttle windows, and keeps
/// the history's monthly partitions (at start, then each round), off the request path.
package struct PurgeService: Service {
    package let sessions: any SessionRepository
    package let throttles: PostgresThrottle?
    package let securityEvents: SecurityEventLog?
    /// `SECURITY_EVENTS_RETENTION_DAYS`.
    package let securityEventsRetention: Duration
    package let partitions: HistoryPartitions?
    package let interval: Duration
    /// Revoked tokens are kept this long so reuse can still be detected.
    package let retention: Duration
    package let logger: Logger

    package init(
        sessions: any SessionRepository, throttles: PostgresThrottle? = nil, securityEvents: SecurityEventLog? = nil,
        securityEventsRetention: Duration, partitions: HistoryPartitions? = nil, interval: Duration, retention: Duration,
        logger: Logger
    ) {
        self.partitions = partitions
        self.sessions = sessions
        self.throttles = throttles
        self.securityEvents = securityEvents
        self.securityEventsRetention = securityEventsRetention
        self.interval = interval
        self.retention = retention
        self.logger = logger
    }

    package func run() async throws {
        await PostgresPool.$isBackground.withValue(true) { await keepPartitions() }
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
    package func purgeOnce() async {
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
        await keepPartitions()
    }

    private func keepPartitions() async {
        do {
            try await partitions?.maintain()
        } catch {
            logger.warning("history partition upkeep failed", metadata: ["error": "\(error)"])
        }
    }
}

/// Closes the database pool after the HTTP server has drained.
package struct DatabaseShutdownService: Service {
    package let pool: PostgresPool?
    package let standby: PostgresPool?
    package let hasher: PasswordHasher

    package init(pool: PostgresPool?, standby: PostgresPool? = nil, hasher: PasswordHasher) {
        self.pool = pool
        self.standby = standby
        self.hasher = hasher
    }

    package func run() async throws {
        try? await gracefulShutdown()
        await pool?.shutdown()
        await standby?.shutdown()
        await hasher.shutdown()
    }
}

/// Runs the user cache's invalidation listener while the server runs.
package struct UserCacheService: Service {
    package let listener: UserChangeListener

    package init(listener: UserChangeListener) {
        self.listener = listener
    }

    package func run() async throws {
        listener.start()
        try? await gracefulShutdown()
        listener.stop()
    }
}

/// Samples the read standby (`DATABASE_READ_URL`) while the server runs.
package struct ReplicaReadsService: Service {
    package let reads: ReplicaReads

    package init(reads: ReplicaReads) {
        self.reads = reads
    }

    package func run() async throws {
        await cancelWhenGracefulShutdown { await reads.run() }
    }
}
