import Foundation
import GatewayCore
import GatewayDomain
import GatewayMemory
import GatewayOps
import GatewayPostgres
import Logging
import Postgres

/// Where a gateway keeps its state: every repository, and the PostgreSQL pool behind them
/// (nil when they live in this process's memory). Injected into `GatewayServices`.
public struct GatewayStores: Sendable {
    /// The pool the repositories share; also what health checks, migrations, the cache
    /// invalidation listener, shared throttles and security events use (nil: none of those).
    public let database: PostgresPool?
    /// The standby for reads that may lag (`DATABASE_READ_URL`), when one is configured.
    public var reads: ReplicaReads? = nil
    public let users: any UserRepository
    public let sessions: any SessionRepository
    public let apiKeys: any APIKeyRepository
    public let conversations: any ConversationRepository
    public let usage: any UsageRepository
    public let budgets: any BudgetRepository
    public let admins: any AdminRepository

    /// PostgreSQL at `DATABASE_URL`; the pool connects lazily.
    public static func postgres(_ config: GatewayConfig, logger: Logger) -> GatewayStores {
        let pool = PostgresPool(
            conninfo: config.databaseConninfo, size: config.databasePoolSize, acquireTimeout: config.databasePoolTimeout,
            statementTimeout: config.limits.databaseStatementTimeout, mode: config.databasePoolMode, logger: logger)
        let reads = config.databaseReadConninfo.map { url in
            // A standby is not behind the transaction pooler: its pool keeps sessions.
            ReplicaReads(
                primary: pool,
                standby: PostgresPool(
                    conninfo: url, size: config.databasePoolSize, acquireTimeout: config.databasePoolTimeout,
                    statementTimeout: config.limits.databaseStatementTimeout, logger: logger),
                maxLag: config.databaseReadMaxLag, logger: logger)
        }
        return postgres(pool, adminEmails: config.adminEmails, reads: reads)
    }

    /// The repositories on an open pool (`adminEmails`: `ADMIN_EMAILS`, lower-cased; `reads`:
    /// a standby for the reads that may lag).
    package static func postgres(_ pool: PostgresPool, adminEmails: Set<String> = [], reads: ReplicaReads? = nil) -> GatewayStores
    {
        var stores = GatewayStores(
            database: pool, users: PostgresUserRepository(pool: pool), sessions: PostgresSessionRepository(pool: pool),
            apiKeys: PostgresAPIKeyRepository(pool: pool),
            conversations: PostgresConversationRepository(pool: pool, reads: reads),
            usage: PostgresUsageRepository(pool: pool, reads: reads), budgets: PostgresBudgetRepository(pool: pool),
            admins: PostgresAdminRepository(pool: pool, confirmedEmails: adminEmails, reads: reads))
        stores.reads = reads
        return stores
    }

    /// This process's memory (one gateway, nothing durable): for tests of the domain and
    /// the routes without a database. `now` is the stores' clock.
    package static func inMemory(
        adminEmails: Set<String> = [], now: @escaping @Sendable () -> Date = { Date() }
    ) -> GatewayStores {
        let memory = InMemoryStores(now: now)
        return GatewayStores(
            database: nil, users: memory.users, sessions: memory.sessions, apiKeys: memory.apiKeys,
            conversations: memory.conversations, usage: memory.usage, budgets: memory.budgets,
            admins: InMemoryAdminRepository(stores: memory, confirmedEmails: adminEmails, now: now))
    }

    package init(
        database: PostgresPool?, users: any UserRepository, sessions: any SessionRepository, apiKeys: any APIKeyRepository,
        conversations: any ConversationRepository, usage: any UsageRepository, budgets: any BudgetRepository,
        admins: any AdminRepository
    ) {
        self.database = database
        self.users = users
        self.sessions = sessions
        self.apiKeys = apiKeys
        self.conversations = conversations
        self.usage = usage
        self.budgets = budgets
        self.admins = admins
    }
}
