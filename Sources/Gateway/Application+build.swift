import BotKit
import Crypto
import Foundation
import GatewayCore
import GatewayDomain
import GatewayHTTP
import GatewayOps
import Hummingbird
import HummingbirdCore
import Logging
import Postgres
import ServiceLifecycle

/// Everything the routes need, built once at startup. The only composition root.
public struct GatewayServices: Sendable {
    public let config: GatewayConfig
    public let pool: PostgresPool
    public let hasher: PasswordHasher
    public let tokens: AccessTokens
    public let users: any UserRepository
    /// The bearer check's user cache and its invalidation listener (nil: `USER_CACHE_SECONDS=0`).
    package let userCache: UserCache?
    package let apiKeyCache: APIKeyCache?
    /// Which budgets each user has (nil when caching is off).
    package let budgetCache: BudgetCache?
    package let userListener: UserChangeListener?
    public let sessions: any SessionRepository
    /// Set once shutdown starts: `/ready` answers 503.
    package let readiness = Readiness()
    /// The shared throttle counters (`THROTTLE_STORE=postgres`), purged with the sessions.
    package let throttleStore: PostgresThrottle?
    public let accounts: AccountService
    public let bots: BotDirectory
    public let conversations: any ConversationRepository
    public let chat: ChatService
    public let apiKeys: any APIKeyRepository
    /// API keys to owners, through the key cache; `last_used_at` written in batches.
    package let keyAuthenticator: APIKeyAuthenticator
    package let keyUses: KeyUseRecorder
    public let usage: any UsageRepository
    /// Security events stored for administrators (nil: `SECURITY_EVENTS_RETENTION_DAYS=0`).
    package let securityEvents: SecurityEventLog?
    /// Administrators, users and usage for `/api/v1/admin/` and `gateway admin`.
    public let admins: any AdminRepository
    /// Usage of calls that store no turn, written in batches.
    package let usageBatcher: UsageBatcher
    package let budgets: Budgets
    public let logger: Logger
    /// Repeated errors logged once per interval (see `DampedLog`).
    package let errorLog: DampedLog
    /// Open streams: limits, write timeout, shutdown drain.
    package let streams: StreamRegistry

    /// Opens nothing yet: the pool connects lazily. `registry` holds the bot kinds, named
    /// by the executable (the composition root) or a test.
    /// `now` is the wall clock of time-window rules that run in the gateway (tests inject one).
    public init(
        config: GatewayConfig, logger: Logger, registry: BotRegistry, now: @escaping @Sendable () -> Date = { Date() }
    ) async throws {
        self.config = config
        self.logger = logger
        errorLog = DampedLog(logger: logger)
        streams = StreamRegistry(
            maxPerUser: config.limits.maxStreamsPerUser, maxTotal: config.limits.maxStreams,
            writeTimeout: config.limits.streamWriteTimeout)
        Observability.bootstrap()
        if config.allowInsecureSecretKey {
            logger.critical(
                "ALLOW_INSECURE_SECRET_KEY is set: tokens are signed with a weak key. Never use this in production.")
        }
        pool = PostgresPool(
            conninfo: config.databaseConninfo, size: config.databasePoolSize, acquireTimeout: config.databasePoolTimeout,
            statementTimeout: config.limits.databaseStatementTimeout, logger: logger)
        hasher = try PasswordHasher(
            parameters: config.argon2, threads: config.hashThreads, queueMax: config.limits.hashQueueMax,
            niceness: Int32(config.hashNice))
        tokens = await AccessTokens(secret: config.secretKey, lifetime: config.accessTokenLifetime)
        if config.userCacheTTL > .zero {
            let cache = UserCache(ttl: config.userCacheTTL)
            let keyCache = APIKeyCache(ttl: config.userCacheTTL)
            let budgetCache = BudgetCache(ttl: config.userCacheTTL)
            userCache = cache
            apiKeyCache = keyCache
            self.budgetCache = budgetCache
            userListener = UserChangeListener(
                conninfo: config.databaseConninfo,
                caches: AuthCaches(users: cache, keys: keyCache, budgets: budgetCache), logger: logger)
            users = CachedUserRepository(base: PostgresUserRepository(pool: pool), cache: cache)
        } else {
            userCache = nil
            apiKeyCache = nil
            budgetCache = nil
            userListener = nil
            users = PostgresUserRepository(pool: pool)
        }
        sessions = PostgresSessionRepository(pool: pool)
        let policy = RefreshPolicy(
            lifetime: config.refreshTokenLifetime, maxSessionLifetime: config.sessionMaxLifetime,
            reuseGrace: config.refreshReuseGrace)
        throttleStore =
            config.throttle.shared
            ? PostgresThrottle(
                pool: pool, window: config.throttle.window, secret: SymmetricKey(data: Data(config.secretKey.utf8)),
                logger: logger) : nil
        let throttles =
            throttleStore.map(Throttles.init(shared:))
            ?? Throttles(window: config.throttle.window, capacity: config.limits.throttleMaxKeys)
        admins = PostgresAdminRepository(pool: pool, confirmedEmails: config.adminEmails)
        securityEvents =
            config.securityEventsRetention > .zero ? SecurityEventLog(pool: pool, logs: errorLog) : nil
        let accounts = AccountService(
            users: users, sessions: sessions, hasher: hasher, tokens: tokens, policy: policy,
            throttles: throttles,
            limits: config.throttle,
            events: SecurityEvents(logger: logger, store: securityEvents), logger: logger)
        self.accounts = accounts
        bots = try BotDirectory(config: config.bots, registry: registry)
        conversations = PostgresConversationRepository(pool: pool)
        apiKeys = PostgresAPIKeyRepository(pool: pool)
        keyUses = KeyUseRecorder(keys: apiKeys, logs: errorLog)
        keyAuthenticator = APIKeyAuthenticator(keys: apiKeys, users: users, cache: apiKeyCache, uses: keyUses)
        usage = PostgresUsageRepository(pool: pool)
        usageBatcher = UsageBatcher(usage: usage, logs: errorLog)
        let budgetRepository = PostgresBudgetRepository(pool: pool)
        budgets = Budgets(
            repository: budgetRepository, cache: budgetCache,
            settler: BudgetSettler(budgets: budgetRepository, logs: errorLog),
            defaultMaxTokens: config.budgetDefaultMaxTokens)
        chat = ChatService(
            bots: bots, conversations: conversations, usage: usageBatcher,
            quotas: Quotas(usage: usage, config: config.quotas, now: now), budgets: budgets,
            config: config.bots, streamWriteTimeout: config.limits.streamWriteTimeout, logger: logger, logs: errorLog)
    }

    /// Applies pending migrations from `config.migrationsDirectory`.
    public func migrate() async throws {
        let migrations = try Migrator.load(directory: config.migrationsDirectory)
        try await Migrator(migrations: migrations, logger: logger).run(on: pool)
    }

    /// Closes the pool and the hashing threads.
    public func shutdown() async {
        userListener?.stop()
        await pool.shutdown()
        await hasher.shutdown()
    }
}

/// Builds the router: middleware, then every controller's routes.
public func buildRouter(_ services: GatewayServices) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    let allowed = AllowedMethods()
    // First: a chat stream's answer is prepared in a child task (memory per held stream).
    router.add(middleware: ShallowStreamMiddleware())
    // Without trusted proxies the peer is the client (set with the context): no middleware.
    let trusted = services.config.limits.trustedProxies
    if trusted.networks.isEmpty == false { router.add(middleware: ClientAddressMiddleware(trusted: trusted)) }
    // A trace span per request (its child spans: the bearer check, the bot call, the store),
    // continuing the client's `traceparent`; only when a collector is configured.
    if services.config.tracing { router.add(middleware: TracingMiddleware()) }
    router.add(middleware: RequestLogMiddleware())
    router.add(middleware: RequestMetricsMiddleware())
    router.add(middleware: SecurityHeadersMiddleware())
    let errors = ErrorMiddleware(routes: allowed, logs: services.errorLog)
    router.add(middleware: errors)
    let bearer = BearerAuthenticator(tokens: services.tokens, users: services.users, keys: services.keyAuthenticator)
    let maxBody = services.config.maxBodyBytes
    HealthController(pool: services.pool, timeout: .seconds(2), readiness: services.readiness).addRoutes(to: router)
    MetricsController(
        user: services.config.metricsUser, password: services.config.metricsPassword, pool: services.pool,
        bots: BotStatisticsExporter(bots: services.bots)
    )
    .addRoutes(to: router)
    UsersController(
        service: services.accounts, bearer: bearer.forAccount, maxBodyBytes: services.config.maxBodyBytes,
        cookieMaxAge: services.config.refreshTokenLifetime, cookieSecure: services.config.cookieSecure
    ).addRoutes(to: router)
    ChatController(
        service: services.chat, bearer: bearer, maxBodyBytes: services.config.maxBodyBytes, streams: services.streams
    )
    .addRoutes(to: router)
    ConversationsController(conversations: services.conversations, bearer: bearer.forAccount)
        .addRoutes(to: router)
    BotsController(bots: services.bots, bearer: bearer).addRoutes(to: router)
    APIKeysController(
        keys: services.apiKeys, authenticator: services.keyAuthenticator, bearer: bearer.forAccount, maxBodyBytes: maxBody,
        defaultLifetimeDays: services.config.limits.apiKeyDefaultDays
    ).addRoutes(to: router)
    UsageController(usage: services.usage, bearer: bearer.forAccount).addRoutes(to: router)
    let admin = AdminController(
        admins: services.admins, bearer: bearer, userCache: services.userCache, securityEvents: services.securityEvents,
        currency: services.config.costCurrency, bots: services.bots, latencies: services.chat.latencies,
        settings: services.config.summary)
    admin.addRoutes(to: router)
    AdminAccountsController(
        admins: services.admins, bearer: bearer, sessions: services.sessions, policy: services.accounts.policy,
        keys: services.apiKeys, keyAuthenticator: services.keyAuthenticator
    ).addRoutes(to: router)
    BudgetsController(
        budgets: services.budgets.repository, cache: services.budgetCache, admins: services.admins, bearer: bearer,
        maxBodyBytes: maxBody,
        currency: services.config.costCurrency
    ).addRoutes(to: router)
    OpenAIController(
        chat: services.chat, bots: services.bots, bearer: bearer, maxBodyBytes: maxBody, streams: services.streams,
        errors: errors
    )
    .addRoutes(to: router)
    MessagesController(
        chat: services.chat, bots: services.bots, bearer: bearer, maxBodyBytes: maxBody, streams: services.streams,
        errors: errors
    )
    .addRoutes(to: router)
    DocsController().addRoutes(to: router)
    ConsoleController(
        auth: ConsoleAuth(
            secret: services.config.secretKey, secure: services.config.cookieSecure,
            lifetime: services.config.refreshTokenLifetime),
        accounts: services.accounts, sessions: services.sessions, users: services.users, admins: services.admins,
        adminAPI: admin, securityEvents: services.securityEvents,
        keyAuthenticator: services.keyAuthenticator,
        chat: ChatController(service: services.chat, bearer: bearer, maxBodyBytes: maxBody, streams: services.streams)
    ).addRoutes(to: router)
    allowed.load(router.routes)
    return router
}

/// Builds the application: router, HTTP server settings and background services.
public func buildApplication(_ services: GatewayServices) -> some ApplicationProtocol {
    let config = services.config
    let logger = services.logger
    return Application(
        router: buildRouter(services),
        server: .http1(
            configuration: .init(
                additionalChannelHandlers: [RequestReadTimeoutHandler(timeout: config.limits.httpBodyTimeout)],
                idleTimeout: .nanoseconds(Int64(config.limits.httpIdleTimeout / .nanoseconds(1))))),
        configuration: .init(
            address: .hostname(config.host, port: config.port), serverName: "bot-gateway",
            availableConnectionsDelegate: MaximumAvailableConnections(config.limits.maxConnections)),
        services: [
            DatabaseShutdownService(pool: services.pool, hasher: services.hasher),
            // Shut down before the pool (services stop in reverse order): its last batch is written.
            services.keyUses, services.usageBatcher, services.budgets.settler,
            PurgeService(
                sessions: services.sessions, throttles: services.throttleStore, securityEvents: services.securityEvents,
                securityEventsRetention: config.securityEventsRetention, interval: .seconds(600), retention: .days(1),
                logger: logger),
        ] + (services.userListener.map { [UserCacheService(listener: $0)] } ?? [])
            + (services.securityEvents.map { [$0] } ?? []),
        onServerRunning: { channel in
            logger.info(
                "gateway listening", metadata: ["url": "http://\(config.host):\(channel.localAddress?.port ?? config.port)"])
        },
        logger: logger)
}

/// The process-wide logger per `LOG_LEVEL` / `LOG_FORMAT`.
public func makeLogger(_ config: GatewayConfig) -> Logger {
    let json = config.logFormat == .json
    let level = config.logLevel
    LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: level, json: json) }
    var logger = Logger(label: "gateway")
    logger.logLevel = level
    return logger
}
