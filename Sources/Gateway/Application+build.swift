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

/// Everything the routes need, built once at startup from the configuration, the bot
/// kinds and the stores, in one step: nothing is changed after `init`. The only composition root.
public struct GatewayServices: Sendable {
    public let config: GatewayConfig
    /// The PostgreSQL pool behind the stores (nil: they live in memory).
    public let database: PostgresPool?
    public let hasher: PasswordHasher
    public let tokens: AccessTokens
    /// The users, through the bearer check's cache when there is one.
    public let users: any UserRepository
    /// The bearer check's user cache and its invalidation listener (nil: `USER_CACHE_SECONDS=0`).
    package let userCache: UserCache?
    package let apiKeyCache: APIKeyCache?
    /// Which budgets each user has (nil when caching is off).
    package let budgetCache: BudgetCache?
    /// Fed by PostgreSQL's notifications (nil without caches or without a database: with
    /// the stores in memory there is one process, and its writers invalidate directly).
    package let userListener: UserChangeListener?
    public let sessions: any SessionRepository
    /// The standby for reads that may lag (`DATABASE_READ_URL`), sampled while serving.
    package let replicaReads: ReplicaReads?
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
    /// Security events stored for administrators (nil: `SECURITY_EVENTS_RETENTION_DAYS=0`,
    /// or no database).
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

    /// Opens nothing yet: a pool connects lazily. `registry` holds the bot kinds, named by
    /// the executable (the composition root) or a test; `stores` is where state is kept.
    /// `now` is the wall clock of time-window rules that run in the gateway (tests inject one).
    public init(
        config: GatewayConfig, logger: Logger, registry: BotRegistry, stores: GatewayStores,
        now: @escaping @Sendable () -> Date = { Date() }
    ) async throws {
        self.config = config
        self.logger = logger
        errorLog = DampedLog(logger: logger)
        streams = StreamRegistry(
            maxPerUser: config.limits.maxStreamsPerUser, maxTotal: config.limits.maxStreams,
            writeTimeout: config.limits.streamWriteTimeout)
        if config.allowInsecureSecretKey {
            logger.critical(
                "ALLOW_INSECURE_SECRET_KEY is set: tokens are signed with a weak key. Never use this in production.")
        }
        database = stores.database
        replicaReads = stores.reads
        hasher = try PasswordHasher(
            parameters: config.argon2, threads: config.hashThreads, queueMax: config.limits.hashQueueMax,
            niceness: Int32(config.hashNice))
        tokens = await AccessTokens(secret: config.secretKey, lifetime: config.accessTokenLifetime)
        let caching = config.userCacheTTL > .zero
        userCache = caching ? UserCache(ttl: config.userCacheTTL) : nil
        apiKeyCache = caching ? APIKeyCache(ttl: config.userCacheTTL) : nil
        budgetCache = caching ? BudgetCache(ttl: config.userCacheTTL) : nil
        if let userCache, let apiKeyCache, let budgetCache, stores.database != nil {
            userListener = UserChangeListener(
                conninfo: config.databaseListenConninfo,
                caches: AuthCaches(users: userCache, keys: apiKeyCache, budgets: budgetCache), logger: logger)
        } else {
            userListener = nil
        }
        users = userCache.map { CachedUserRepository(base: stores.users, cache: $0) } ?? stores.users
        sessions = stores.sessions
        let policy = RefreshPolicy(
            lifetime: config.refreshTokenLifetime, maxSessionLifetime: config.sessionMaxLifetime,
            reuseGrace: config.refreshReuseGrace)
        throttleStore = stores.database.flatMap { pool in
            config.throttle.shared
                ? PostgresThrottle(
                    pool: pool, window: config.throttle.window, secret: SymmetricKey(data: Data(config.secretKey.utf8)),
                    logger: logger) : nil
        }
        let throttles =
            throttleStore.map(Throttles.init(shared:))
            ?? Throttles(window: config.throttle.window, capacity: config.limits.throttleMaxKeys)
        admins = stores.admins
        let errorLog = errorLog
        securityEvents = stores.database.flatMap { pool in
            config.securityEventsRetention > .zero ? SecurityEventLog(pool: pool, logs: errorLog) : nil
        }
        accounts = AccountService(
            users: users, sessions: sessions, hasher: hasher, tokens: tokens, policy: policy,
            throttles: throttles,
            limits: config.throttle,
            events: SecurityEvents(logger: logger, store: securityEvents), logger: logger)
        bots = try BotDirectory(config: config.bots, registry: registry)
        conversations = stores.conversations
        apiKeys = stores.apiKeys
        keyUses = KeyUseRecorder(keys: apiKeys, logs: errorLog)
        keyAuthenticator = APIKeyAuthenticator(keys: apiKeys, users: users, cache: apiKeyCache, uses: keyUses)
        usage = stores.usage
        usageBatcher = UsageBatcher(usage: usage, logs: errorLog)
        budgets = Budgets(
            repository: stores.budgets, cache: budgetCache,
            settler: BudgetSettler(budgets: stores.budgets, logs: errorLog),
            defaultMaxTokens: config.budgetDefaultMaxTokens)
        chat = ChatService(
            bots: bots, conversations: conversations, usage: usageBatcher,
            quotas: Quotas(usage: usage, config: config.quotas, now: now), budgets: budgets,
            config: config.bots, streamWriteTimeout: config.limits.streamWriteTimeout, logger: logger, logs: errorLog)
    }

    /// Applies pending migrations from `config.migrationsDirectory`.
    public func migrate() async throws {
        guard let database else { return }
        let migrations = try Migrator.load(directory: config.migrationsDirectory)
        try await Migrator(migrations: migrations, logger: logger).run(on: database)
    }

    /// Closes the pool and the hashing threads.
    public func shutdown() async {
        userListener?.stop()
        await database?.shutdown()
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
    HealthController(pool: services.database, timeout: .seconds(2), readiness: services.readiness).addRoutes(to: router)
    MetricsController(
        user: services.config.metricsUser, password: services.config.metricsPassword, pool: services.database,
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
        defaultLifetimeDays: services.config.limits.apiKeyDefaultDays, botNames: Set(services.bots.entries.map(\.name))
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
    let intake = ModelCallIntake(
        chat: services.chat, bots: services.bots, streams: services.streams, maxBodyBytes: maxBody)
    OpenAIController(intake: intake, bearer: bearer, errors: errors).addRoutes(to: router)
    MessagesController(intake: intake, bearer: bearer, errors: errors).addRoutes(to: router)
    ResponsesController(intake: intake, bearer: bearer, errors: errors).addRoutes(to: router)
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
            DatabaseShutdownService(pool: services.database, standby: services.replicaReads?.standby, hasher: services.hasher),
            // Shut down before the pool (services stop in reverse order): dropped turns are stored.
            services.chat.droppedTurns,
            // Shut down before the pool (services stop in reverse order): its last batch is written.
            services.keyUses, services.usageBatcher, services.budgets.settler,
            PurgeService(
                sessions: services.sessions, throttles: services.throttleStore, securityEvents: services.securityEvents,
                securityEventsRetention: config.securityEventsRetention,
                partitions: services.database.map {
                    HistoryPartitions(pool: $0, messagesRetention: config.messagesRetention, logger: logger)
                }, interval: .seconds(600), retention: .days(1), logger: logger),
        ] + (services.userListener.map { [UserCacheService(listener: $0)] } ?? [])
            + (services.replicaReads.map { [ReplicaReadsService(reads: $0)] } ?? [])
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
