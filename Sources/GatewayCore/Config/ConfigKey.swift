/// Every variable the gateway itself reads. `spec` (in `ConfigKey+spec.swift`) is the one
/// place each key's type, default, range, secrecy and help are written: `ConfigReader`
/// reads through it, `check-config` prints from it and `.env.example` is generated from it
/// (`gateway env-example`). Bots read their own `BOT_<NAME>_<KEY>` settings.
public enum ConfigKey: String, CaseIterable, Sendable {
    // HTTP
    case host = "HOST"
    case port = "PORT"
    case maxBodyBytes = "MAX_BODY_BYTES"
    case httpIdleTimeout = "HTTP_IDLE_TIMEOUT_SECONDS"
    case httpBodyTimeout = "HTTP_BODY_TIMEOUT_SECONDS"
    case trustedProxies = "TRUSTED_PROXIES"
    case shutdownGrace = "SHUTDOWN_GRACE_SECONDS"
    case shutdownDrain = "SHUTDOWN_DRAIN_SECONDS"
    case maxConnections = "MAX_CONNECTIONS"
    // Streams
    case maxStreamsPerUser = "MAX_STREAMS_PER_USER"
    case maxStreams = "MAX_STREAMS"
    case streamWriteTimeout = "STREAM_WRITE_TIMEOUT_SECONDS"
    // Database
    case databaseURL = "DATABASE_URL"
    case databaseListenURL = "DATABASE_LISTEN_URL"
    case databaseReadURL = "DATABASE_READ_URL"
    case databaseReadMaxLag = "DATABASE_READ_MAX_LAG_SECONDS"
    case databaseHost = "DATABASE_HOST"
    case databasePort = "DATABASE_PORT"
    case databaseUser = "DATABASE_USER"
    case databasePassword = "DATABASE_PASSWORD"
    case databaseName = "DATABASE_NAME"
    case poolSize = "DB_POOL_SIZE"
    case poolTimeout = "DB_POOL_TIMEOUT_SECONDS"
    case statementTimeout = "DB_STATEMENT_TIMEOUT_SECONDS"
    case poolMode = "DB_POOL_MODE"
    case userCache = "USER_CACHE_SECONDS"
    case autoMigrate = "AUTO_MIGRATE"
    case migrationsDirectory = "MIGRATIONS_DIR"
    // Tokens
    case secretKey = "SECRET_KEY"
    case allowInsecureSecretKey = "ALLOW_INSECURE_SECRET_KEY"
    case accessTokenLifetime = "JWT_EXPIRE_MINUTES"
    case refreshTokenLifetime = "REFRESH_TOKEN_EXPIRE_DAYS"
    case sessionMaxLifetime = "REFRESH_TOKEN_MAX_LIFETIME_DAYS"
    case refreshReuseGrace = "REFRESH_REUSE_GRACE_SECONDS"
    case cookieSecure = "COOKIE_SECURE"
    // Passwords
    case argon2TimeCost = "ARGON2_TIME_COST"
    case argon2MemoryCost = "ARGON2_MEMORY_COST"
    case argon2Parallelism = "ARGON2_PARALLELISM"
    case hashThreads = "HASH_THREADS"
    case hashNice = "HASH_NICE"
    case hashQueueMax = "HASH_QUEUE_MAX"
    // Throttling
    case loginMaxFailures = "LOGIN_MAX_FAILURES"
    case loginMaxFailuresPerIP = "LOGIN_MAX_FAILURES_PER_IP"
    case refreshMaxPerIP = "REFRESH_MAX_PER_IP"
    case registerMaxPerIP = "REGISTER_MAX_PER_IP"
    case throttleWindow = "LOGIN_FAILURE_WINDOW_SECONDS"
    case throttleMaxKeys = "THROTTLE_MAX_KEYS"
    case throttleStore = "THROTTLE_STORE"
    // Quotas and API keys
    case quotaRequestsPerMinute = "QUOTA_REQUESTS_PER_MINUTE"
    case quotaTokensPerDay = "QUOTA_TOKENS_PER_DAY"
    case apiKeyDefaultDays = "API_KEY_DEFAULT_DAYS"
    case costCurrency = "COST_CURRENCY"
    case budgetDefaultMaxTokens = "BUDGET_DEFAULT_MAX_TOKENS"
    // Operations
    case metricsUser = "METRICS_USER"
    case metricsPassword = "METRICS_PASS"
    case logLevel = "LOG_LEVEL"
    case logFormat = "LOG_FORMAT"
    case adminEmails = "ADMIN_EMAILS"
    case securityEventsRetention = "SECURITY_EVENTS_RETENTION_DAYS"
    case messagesRetention = "MESSAGES_RETENTION_DAYS"
    case otelEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT"
    // Bots
    case botProvider = "BOT_PROVIDER"
    case botTimeout = "BOT_TIMEOUT_SECONDS"
    case botSystemPrompt = "BOT_SYSTEM_PROMPT"
    case botFallback = "BOT_FALLBACK"
    case botHealthCache = "BOT_HEALTH_CACHE_SECONDS"
    case bots = "BOTS"
    case contextMessages = "CHAT_CONTEXT_MESSAGES"
    case contextCharacters = "CHAT_CONTEXT_CHARS"
    case conversationImageBytes = "CONVERSATION_IMAGE_MAX_BYTES"
}

/// What a configuration key holds and how it is explained.
public struct ConfigSpec: Sendable {
    /// The value's type, with its allowed range.
    public enum Kind: Sendable {
        case text
        case integer(ClosedRange<Int>)
        /// A number of `unit`s (fractions allowed), read as a `Duration`.
        case duration(ClosedRange<Double>, unit: TimeUnit)
        case flag
        case choice([String])
    }

    public enum TimeUnit: Int, Sendable {
        case seconds = 1
        case minutes = 60
        case days = 86400
    }

    public let section: ConfigSection
    public let kind: Kind
    /// The value when unset, as it would be written; nil: unset (or computed, see `help`).
    public let defaultValue: String?
    /// Shown, commented out, in `.env.example` for a key without a default.
    public let example: String?
    /// Never printed.
    public let secret: Bool
    /// One line for `.env.example`.
    public let help: String
    /// Comment lines written above the key in `.env.example`.
    public let note: String?

    package init(
        _ section: ConfigSection, _ kind: Kind, _ defaultValue: String?, example: String? = nil, secret: Bool = false,
        _ help: String, note: String? = nil
    ) {
        self.section = section
        self.kind = kind
        self.defaultValue = defaultValue
        self.example = example
        self.secret = secret
        self.help = help
        self.note = note
    }
}

/// The groups of `.env.example`, in order.
public enum ConfigSection: String, CaseIterable, Sendable {
    case http = "HTTP"
    case streams = "Streams (SSE chat and /v1 streams)"
    case database = "Database (PostgreSQL through libpq)"
    case tokens = "Tokens"
    case passwords = "Passwords (Argon2id; the reference's parameters)"
    case throttling = "Throttling (shared by every replica; the client address honours TRUSTED_PROXIES)"
    case quotas = "Quotas and API keys"
    case operations = "Operations"
    case bots = "Bots"
}
