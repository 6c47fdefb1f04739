import Foundation
import Logging
import Postgres

/// The gateway's whole configuration, read once at startup through the key table
/// (`ConfigKey`, which holds every key's default, range and meaning).
public struct GatewayConfig: Sendable {
    public var host: String
    public var port: Int
    /// `DATABASE_URL` passed to libpq untouched (plus timeouts it does not set); or built
    /// from the reference's `DATABASE_HOST`/`_PORT`/`_USER`/`_PASSWORD`/`_NAME`.
    public var databaseConninfo: String
    /// `DATABASE_LISTEN_URL` (with the same timeouts), else `databaseConninfo`: the session
    /// the cache listener holds for LISTEN, which a transaction-mode pooler cannot carry.
    public var databaseListenConninfo: String
    /// `DATABASE_READ_URL` (with the same timeouts): a standby for reads that may lag.
    public var databaseReadConninfo: String?
    /// `DATABASE_READ_MAX_LAG_SECONDS`.
    public var databaseReadMaxLag: Duration
    public var databasePoolSize: Int
    /// `DB_POOL_MODE`: whether `databaseConninfo` reaches a transaction-mode pooler.
    public var databasePoolMode: PoolMode
    /// Longest wait for a free connection before 503.
    public var databasePoolTimeout: Duration
    /// How long the bearer check may reuse a user read from the database; changes and
    /// deletes reach the cache at once through LISTEN/NOTIFY. Zero turns the cache off.
    public var userCacheTTL: Duration
    public var migrationsDirectory: String
    public var autoMigrate: Bool
    /// HS256 key, 32 bytes or more, not a known default.
    public var secretKey: String
    public var allowInsecureSecretKey: Bool
    public var accessTokenLifetime: Duration
    /// Sliding refresh-token lifetime, and the cap on a session from its first login.
    public var refreshTokenLifetime: Duration
    public var sessionMaxLifetime: Duration
    /// A token rotated this recently and presented again gets the same successor.
    public var refreshReuseGrace: Duration
    public var cookieSecure: Bool
    public var argon2: Argon2Parameters
    /// Hashes computed at once; each Argon2id hash already runs `ARGON2_PARALLELISM` lanes,
    /// so the default keeps hashing within the cores instead of oversubscribing them.
    public var hashThreads: Int
    /// `HASH_NICE`: the hashing threads' nice value.
    public var hashNice: Int
    public var throttle: ThrottleConfig
    /// Basic credentials of `/metrics` (unset: always 401).
    public var metricsUser: String?
    public var metricsPassword: String?
    public var quotas: QuotaConfig
    /// `COST_CURRENCY`: what the bots' prices and cost budgets are counted in.
    public var costCurrency: String
    /// `BUDGET_DEFAULT_MAX_TOKENS`: the output cap of a call under a budget naming none.
    public var budgetDefaultMaxTokens: Int
    public var maxBodyBytes: Int
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    /// The configured bots and chat context limits (see `BotsConfig`).
    public var bots: BotsConfig
    /// Proxies, queues, streams, timeouts (see `LimitsConfig`).
    public var limits: LimitsConfig
    /// `SECURITY_EVENTS_RETENTION_DAYS` (zero: events are only logged).
    public var securityEventsRetention: Duration
    /// `MESSAGES_RETENTION_DAYS` (zero: keep every message).
    public var messagesRetention: Duration
    /// `ADMIN_EMAILS`, lower-cased: when set, the only accounts that may administer (and only
    /// once granted on the host with `gateway admin grant`).
    public var adminEmails: Set<String>
    /// Every `OTEL_*` variable set (in the environment or `.env`); tracing is on when one
    /// names a collector (`OTEL_EXPORTER_OTLP_ENDPOINT` or `…_TRACES_ENDPOINT`).
    public var openTelemetry: [String: String]
    public var tracing: Bool {
        openTelemetry["OTEL_EXPORTER_OTLP_ENDPOINT"] != nil || openTelemetry["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] != nil
    }
    /// The effective configuration, secrets masked, for `gateway check-config`.
    public let summary: [(String, String)]

    public enum LogFormat: String, Sendable { case json, text }

    /// Seed defaults that must never sign tokens in production.
    package static let knownWeakSecrets: Set<String> = [
        "secret-key", "your_secret_key_here", "changeme", "change-me", "secret", "supersecret",
    ]

    /// Reads and validates every key.
    public init(environment: [String: String]) throws {
        let env = ConfigReader(values: environment)
        host = env.string(.host) ?? ""
        port = try env.int(.port)
        databasePoolSize = try env.int(.poolSize)
        databasePoolMode = PoolMode(rawValue: try env.choice(.poolMode)) ?? .session
        databasePoolTimeout = try env.duration(.poolTimeout)
        databaseConninfo = DatabaseURL.withTimeouts(try Self.conninfo(env), connectTimeout: databasePoolTimeout)
        let timeout = databasePoolTimeout
        databaseListenConninfo =
            env.string(.databaseListenURL).map { DatabaseURL.withTimeouts($0, connectTimeout: timeout) } ?? databaseConninfo
        databaseReadConninfo = env.string(.databaseReadURL).map { DatabaseURL.withTimeouts($0, connectTimeout: timeout) }
        databaseReadMaxLag = try env.duration(.databaseReadMaxLag)
        userCacheTTL = try env.duration(.userCache)
        migrationsDirectory = env.string(.migrationsDirectory) ?? ""
        autoMigrate = try env.bool(.autoMigrate)
        allowInsecureSecretKey = try env.bool(.allowInsecureSecretKey)
        secretKey = try Self.secret(env, allowInsecure: allowInsecureSecretKey)
        accessTokenLifetime = try env.duration(.accessTokenLifetime)
        refreshTokenLifetime = try env.duration(.refreshTokenLifetime)
        sessionMaxLifetime = try env.duration(.sessionMaxLifetime)
        refreshReuseGrace = try env.duration(.refreshReuseGrace)
        cookieSecure = try env.bool(.cookieSecure)
        argon2 = Argon2Parameters(
            timeCost: try env.int(.argon2TimeCost), memoryKiB: try env.int(.argon2MemoryCost),
            parallelism: try env.int(.argon2Parallelism))
        hashNice = try env.int(.hashNice)
        hashThreads = try env.int(
            .hashThreads, default: max(1, ProcessInfo.processInfo.activeProcessorCount / argon2.parallelism))
        throttle = ThrottleConfig(
            maxFailuresPerEmailAndIP: try env.int(.loginMaxFailures), maxFailuresPerIP: try env.int(.loginMaxFailuresPerIP),
            maxRefreshesPerIP: try env.int(.refreshMaxPerIP), maxRegistrationsPerIP: try env.int(.registerMaxPerIP),
            window: try env.duration(.throttleWindow), shared: try env.choice(.throttleStore) == "postgres")
        securityEventsRetention = .days(try env.int(.securityEventsRetention))
        messagesRetention = .days(try env.int(.messagesRetention))
        adminEmails = Set(
            (env.string(.adminEmails) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                .filter { $0.isEmpty == false })
        metricsUser = env.string(.metricsUser)
        metricsPassword = env.string(.metricsPassword)
        quotas = QuotaConfig(
            requestsPerMinute: try env.int(.quotaRequestsPerMinute), tokensPerDay: try env.int(.quotaTokensPerDay))
        openTelemetry = env.values.filter { $0.key.hasPrefix("OTEL_") && $0.value.isEmpty == false }
        costCurrency = env.string(.costCurrency) ?? "USD"
        guard (1...16).contains(costCurrency.count), costCurrency.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
        else { throw ConfigError("COST_CURRENCY", "must be 1 to 16 letters or digits, like USD") }
        budgetDefaultMaxTokens = try env.int(.budgetDefaultMaxTokens)
        maxBodyBytes = try env.int(.maxBodyBytes)
        logLevel = Logger.Level(rawValue: try env.choice(.logLevel)) ?? .info
        logFormat = LogFormat(rawValue: try env.choice(.logFormat)) ?? .json
        bots = try BotsConfig(env)
        limits = try LimitsConfig(env)
        summary = Self.summary(
            env,
            overriding: [
                .databaseURL: Self.maskConninfo(databaseConninfo),
                .databaseListenURL: Self.maskConninfo(databaseListenConninfo), .hashThreads: String(hashThreads),
                .databaseReadURL: databaseReadConninfo.map(Self.maskConninfo) ?? "(unset: every read on DATABASE_URL)",
                .maxConnections: String(limits.maxConnections),
            ])
    }

    private static func secret(_ env: ConfigReader, allowInsecure: Bool) throws -> String {
        guard let secret = env.string(.secretKey) else {
            throw ConfigError("SECRET_KEY", "is required (at least 32 bytes; e.g. `openssl rand -hex 32`)")
        }
        if allowInsecure == false {
            if knownWeakSecrets.contains(secret.lowercased()) {
                throw ConfigError("SECRET_KEY", "is a well-known default; generate a random one")
            }
            if secret.utf8.count < 32 { throw ConfigError("SECRET_KEY", "must be at least 32 bytes, got \(secret.utf8.count)") }
        }
        return secret
    }

    private static func conninfo(_ env: ConfigReader) throws -> String {
        if let url = env.string(.databaseURL) {
            guard url.hasPrefix("postgresql://") || url.hasPrefix("postgres://") || url.contains("=") else {
                throw ConfigError("DATABASE_URL", "must be a postgresql:// URL or a libpq connection string")
            }
            return url
        }
        guard env.string(.databaseHost) != nil || env.string(.databaseName) != nil else {
            throw ConfigError("DATABASE_URL", "is required (or DATABASE_HOST, DATABASE_NAME, …)")
        }
        let pairs: [(String, String?)] = [
            ("host", env.string(.databaseHost)), ("port", String(try env.int(.databasePort))),
            ("user", env.string(.databaseUser)), ("password", env.string(.databasePassword)),
            ("dbname", env.string(.databaseName)),
        ]
        return pairs.compactMap { key, value in
            value.map { "\(key)='\($0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'"))'" }
        }.joined(separator: " ")
    }

    /// Every key of the table as set or defaulted (secrets masked), then the bots' own
    /// variables (credentials masked).
    private static func summary(_ env: ConfigReader, overriding: [ConfigKey: String]) -> [(String, String)] {
        let table = ConfigKey.allCases.map { key in
            let shown = overriding[key] ?? env.shown(key)
            return (key.rawValue, key.rawValue.hasSuffix("_ENDPOINT") ? maskConninfo(shown) : shown)
        }
        let known = Set(ConfigKey.allCases.map(\.rawValue))
        let botVariables = env.values.filter { $0.key.hasPrefix("BOT") && known.contains($0.key) == false }
        return table
            + botVariables.sorted { $0.key < $1.key }.map { key, value in
                (key, isSecretBotKey(key) ? "******" : key.hasSuffix("URL") ? maskConninfo(value) : value)
            }
    }

    /// Bot settings that carry credentials: API keys, secrets, and extra headers (which
    /// usually hold an `Authorization` or organisation token).
    package static func isSecretBotKey(_ key: String) -> Bool {
        ["API_KEY", "SECRET", "HEADERS", "TOKEN", "PASSWORD"].contains { key.hasSuffix($0) }
    }

    /// Hides the password of a URL or keyword conninfo.
    package static func maskConninfo(_ conninfo: String) -> String {
        var masked = conninfo
        if let regex = try? NSRegularExpression(pattern: "(://[^:/@]*:)[^@]*@") {
            masked = regex.stringByReplacingMatches(
                in: masked, range: NSRange(masked.startIndex..., in: masked), withTemplate: "$1******@")
        }
        if let regex = try? NSRegularExpression(pattern: "(password=)('[^']*'|[^ &]*)") {
            masked = regex.stringByReplacingMatches(
                in: masked, range: NSRange(masked.startIndex..., in: masked), withTemplate: "$1******")
        }
        return masked
    }
}

/// Argon2id cost parameters for new hashes.
public struct Argon2Parameters: Sendable, Equatable {
    public var timeCost: Int
    public var memoryKiB: Int
    public var parallelism: Int
}

/// Limits on failed logins, refresh attempts and registrations.
public struct ThrottleConfig: Sendable {
    public var maxFailuresPerEmailAndIP: Int
    public var maxFailuresPerIP: Int
    public var maxRefreshesPerIP: Int
    /// `REGISTER_MAX_PER_IP` (20 per window): registrations from one address.
    public var maxRegistrationsPerIP: Int
    public var window: Duration
    /// `THROTTLE_STORE=postgres` (the default): counters shared by every replica.
    public var shared: Bool
}
