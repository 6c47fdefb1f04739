import Foundation
import Logging

/// The gateway's whole configuration, read once at startup. Every key, its default
/// and its meaning is documented here and in `.env.example`.
public struct GatewayConfig: Sendable {
    /// `HOST` (127.0.0.1), `PORT` (8000): where the HTTP server listens.
    public var host: String
    public var port: Int
    /// `DATABASE_URL`, passed to libpq untouched; or built from the reference's
    /// `DATABASE_HOST`/`_PORT`/`_USER`/`_PASSWORD`/`_NAME`.
    public var databaseConninfo: String
    /// `DB_POOL_SIZE` (10): connections (and database threads).
    public var databasePoolSize: Int
    /// `DB_POOL_TIMEOUT_SECONDS` (5): longest wait for a free connection before 503.
    public var databasePoolTimeout: Duration
    /// `USER_CACHE_SECONDS` (30): how long the bearer check may reuse a user read from the
    /// database; changes and deletes (even by plain SQL) reach the cache at once through
    /// LISTEN/NOTIFY, this is only the upper bound. 0 turns the cache off.
    public var userCacheTTL: Duration
    /// `MIGRATIONS_DIR` (`migrations`): where the SQL migrations live.
    public var migrationsDirectory: String
    /// `AUTO_MIGRATE` (true): `serve` applies pending migrations at startup.
    public var autoMigrate: Bool
    /// `SECRET_KEY`: HS256 key, 32 bytes or more, not a known default.
    public var secretKey: String
    /// `ALLOW_INSECURE_SECRET_KEY` (false): development only; accepts a weak key loudly.
    public var allowInsecureSecretKey: Bool
    /// `JWT_EXPIRE_MINUTES` (5): access token lifetime.
    public var jwtExpireMinutes: Int
    /// `REFRESH_TOKEN_EXPIRE_DAYS` (1): sliding refresh-token lifetime.
    public var refreshTokenExpireDays: Int
    /// `REFRESH_TOKEN_MAX_LIFETIME_DAYS` (30): cap on a session from its first login.
    public var refreshTokenMaxLifetimeDays: Int
    /// `REFRESH_REUSE_GRACE_SECONDS` (10): a token rotated this recently and presented
    /// again is refused without revoking its session (a client's concurrent requests).
    public var refreshReuseGraceSeconds: Int
    /// `COOKIE_SECURE` (true): the `Secure` attribute on the refresh cookie.
    public var cookieSecure: Bool
    /// `ARGON2_TIME_COST` (3), `ARGON2_MEMORY_COST` (65536 KiB), `ARGON2_PARALLELISM` (2).
    public var argon2: Argon2Parameters
    /// `HASH_THREADS` (cores ÷ `ARGON2_PARALLELISM`, at least 1): hashes computed at once.
    /// Each Argon2id hash already runs `ARGON2_PARALLELISM` lanes on threads of its own, so
    /// the default keeps hashing within the cores instead of oversubscribing them.
    public var hashThreads: Int
    /// `LOGIN_MAX_FAILURES` (10) per email and IP, `LOGIN_MAX_FAILURES_PER_IP` (100),
    /// within `LOGIN_FAILURE_WINDOW_SECONDS` (900); `REFRESH_MAX_PER_IP` (600) and
    /// `REGISTER_MAX_PER_IP` (20) per window.
    public var throttle: ThrottleConfig
    /// `METRICS_USER`, `METRICS_PASS`: Basic credentials of `/metrics` (unset: always 401).
    public var metricsUser: String?
    public var metricsPassword: String?
    /// `QUOTA_REQUESTS_PER_MINUTE` (0 = off), `QUOTA_TOKENS_PER_DAY` (0 = off): per-user limits.
    public var quotas: QuotaConfig
    /// `MAX_BODY_BYTES` (1048576): larger request bodies get 413.
    public var maxBodyBytes: Int
    /// `LOG_LEVEL` (info), `LOG_FORMAT` (json | text).
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    /// Raw `BOT*` variables, printed (masked) by `check-config`.
    public var botVariables: [String: String]
    /// The configured bots and chat context limits (see `BotsConfig`).
    public var bots: BotsConfig
    /// Proxies, queues, streams, timeouts (see `LimitsConfig`).
    public var limits: LimitsConfig

    public enum LogFormat: String, Sendable { case json, text }

    /// Keys whose value is never printed.
    static let secretKeys: Set<String> = ["SECRET_KEY", "DATABASE_PASSWORD", "METRICS_PASS"]
    /// Seed defaults that must never sign tokens in production.
    static let knownWeakSecrets: Set<String> = [
        "secret-key", "your_secret_key_here", "changeme", "change-me", "secret", "supersecret",
    ]

    /// Reads and validates every key.
    public init(environment: [String: String]) throws {
        let env = ConfigReader(values: environment)
        host = env.string("HOST", default: "127.0.0.1")
        port = try env.int("PORT", default: 8000, range: 0...65535)
        databaseConninfo = try Self.conninfo(env)
        databasePoolSize = try env.int("DB_POOL_SIZE", default: 10, range: 1...500)
        databasePoolTimeout = .milliseconds(
            Int(try env.double("DB_POOL_TIMEOUT_SECONDS", default: 5, range: 0.01...600) * 1000))
        userCacheTTL = .seconds(try env.int("USER_CACHE_SECONDS", default: 30, range: 0...3600))
        migrationsDirectory = env.string("MIGRATIONS_DIR", default: "migrations")
        autoMigrate = try env.bool("AUTO_MIGRATE", default: true)
        allowInsecureSecretKey = try env.bool("ALLOW_INSECURE_SECRET_KEY", default: false)
        guard let secret = env.string("SECRET_KEY") else {
            throw ConfigError("SECRET_KEY", "is required (at least 32 bytes; e.g. `openssl rand -hex 32`)")
        }
        if allowInsecureSecretKey == false {
            if Self.knownWeakSecrets.contains(secret.lowercased()) {
                throw ConfigError("SECRET_KEY", "is a well-known default; generate a random one")
            }
            if secret.utf8.count < 32 {
                throw ConfigError("SECRET_KEY", "must be at least 32 bytes, got \(secret.utf8.count)")
            }
        }
        secretKey = secret
        jwtExpireMinutes = try env.int("JWT_EXPIRE_MINUTES", default: 5, range: 1...1440)
        refreshTokenExpireDays = try env.int("REFRESH_TOKEN_EXPIRE_DAYS", default: 1, range: 1...365)
        refreshTokenMaxLifetimeDays = try env.int("REFRESH_TOKEN_MAX_LIFETIME_DAYS", default: 30, range: 1...3650)
        refreshReuseGraceSeconds = try env.int("REFRESH_REUSE_GRACE_SECONDS", default: 10, range: 0...300)
        cookieSecure = try env.bool("COOKIE_SECURE", default: true)
        argon2 = Argon2Parameters(
            timeCost: try env.int("ARGON2_TIME_COST", default: 3, range: 1...100),
            memoryKiB: try env.int("ARGON2_MEMORY_COST", default: 65536, range: 8...4_194_304),
            parallelism: try env.int("ARGON2_PARALLELISM", default: 2, range: 1...64))
        hashThreads = try env.int(
            "HASH_THREADS", default: max(1, ProcessInfo.processInfo.activeProcessorCount / argon2.parallelism),
            range: 1...256)
        throttle = ThrottleConfig(
            maxFailuresPerEmailAndIP: try env.int("LOGIN_MAX_FAILURES", default: 10, range: 1...1_000_000),
            maxFailuresPerIP: try env.int("LOGIN_MAX_FAILURES_PER_IP", default: 100, range: 1...1_000_000),
            maxRefreshesPerIP: try env.int("REFRESH_MAX_PER_IP", default: 600, range: 1...100_000_000),
            maxRegistrationsPerIP: try env.int("REGISTER_MAX_PER_IP", default: 20, range: 1...100_000_000),
            window: .seconds(try env.int("LOGIN_FAILURE_WINDOW_SECONDS", default: 900, range: 1...86400)))
        metricsUser = env.string("METRICS_USER")
        metricsPassword = env.string("METRICS_PASS")
        quotas = QuotaConfig(
            requestsPerMinute: try env.int("QUOTA_REQUESTS_PER_MINUTE", default: 0, range: 0...1_000_000),
            tokensPerDay: try env.int("QUOTA_TOKENS_PER_DAY", default: 0, range: 0...1_000_000_000_000))
        maxBodyBytes = try env.int("MAX_BODY_BYTES", default: 1_048_576, range: 1024...104_857_600)
        let level = try env.oneOf(
            "LOG_LEVEL", ["trace", "debug", "info", "notice", "warning", "error", "critical"], default: "info")
        logLevel = Logger.Level(rawValue: level) ?? .info
        logFormat = LogFormat(rawValue: try env.oneOf("LOG_FORMAT", ["json", "text"], default: "json")) ?? .json
        botVariables = environment.filter { $0.key.hasPrefix("BOT") }
        bots = try BotsConfig(env)
        limits = try LimitsConfig(env)
        databaseConninfo = DatabaseURL.withTimeouts(databaseConninfo, connectTimeout: databasePoolTimeout)
    }

    private static func conninfo(_ env: ConfigReader) throws -> String {
        if let url = env.string("DATABASE_URL") {
            guard url.hasPrefix("postgresql://") || url.hasPrefix("postgres://") || url.contains("=") else {
                throw ConfigError("DATABASE_URL", "must be a postgresql:// URL or a libpq connection string")
            }
            return url
        }
        guard env.string("DATABASE_HOST") != nil || env.string("DATABASE_NAME") != nil else {
            throw ConfigError("DATABASE_URL", "is required (or DATABASE_HOST, DATABASE_NAME, …)")
        }
        let port = try env.int("DATABASE_PORT", default: 5432, range: 1...65535)
        let pairs: [(String, String?)] = [
            ("host", env.string("DATABASE_HOST")), ("port", String(port)),
            ("user", env.string("DATABASE_USER")), ("password", env.string("DATABASE_PASSWORD")),
            ("dbname", env.string("DATABASE_NAME")),
        ]
        return pairs.compactMap { key, value in
            value.map { "\(key)='\($0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'"))'" }
        }.joined(separator: " ")
    }

    /// The effective configuration, secrets masked, for `gateway check-config`.
    public var summary: [(String, String)] {
        var lines: [(String, String)] = []
        lines.append(("HOST", host))
        lines.append(("PORT", String(port)))
        lines.append(("DATABASE_URL", Self.maskConninfo(databaseConninfo)))
        lines.append(("DB_POOL_SIZE", String(databasePoolSize)))
        lines.append(("DB_POOL_TIMEOUT_SECONDS", "\(databasePoolTimeout)"))
        lines.append(("USER_CACHE_SECONDS", "\(userCacheTTL.components.seconds)"))
        lines.append(("MIGRATIONS_DIR", migrationsDirectory))
        lines.append(("AUTO_MIGRATE", String(autoMigrate)))
        lines.append(("SECRET_KEY", "****** (\(secretKey.utf8.count) bytes)"))
        lines.append(("ALLOW_INSECURE_SECRET_KEY", String(allowInsecureSecretKey)))
        lines.append(("JWT_EXPIRE_MINUTES", String(jwtExpireMinutes)))
        lines.append(("REFRESH_TOKEN_EXPIRE_DAYS", String(refreshTokenExpireDays)))
        lines.append(("REFRESH_TOKEN_MAX_LIFETIME_DAYS", String(refreshTokenMaxLifetimeDays)))
        lines.append(("REFRESH_REUSE_GRACE_SECONDS", String(refreshReuseGraceSeconds)))
        lines.append(("COOKIE_SECURE", String(cookieSecure)))
        lines.append(("ARGON2_TIME_COST", String(argon2.timeCost)))
        lines.append(("ARGON2_MEMORY_COST", String(argon2.memoryKiB)))
        lines.append(("ARGON2_PARALLELISM", String(argon2.parallelism)))
        lines.append(("HASH_THREADS", String(hashThreads)))
        lines.append(("LOGIN_MAX_FAILURES", String(throttle.maxFailuresPerEmailAndIP)))
        lines.append(("LOGIN_MAX_FAILURES_PER_IP", String(throttle.maxFailuresPerIP)))
        lines.append(("REFRESH_MAX_PER_IP", String(throttle.maxRefreshesPerIP)))
        lines.append(("REGISTER_MAX_PER_IP", String(throttle.maxRegistrationsPerIP)))
        lines.append(("LOGIN_FAILURE_WINDOW_SECONDS", "\(throttle.window)"))
        lines.append(("METRICS_USER", metricsUser ?? "(unset)"))
        lines.append(("METRICS_PASS", metricsPassword == nil ? "(unset)" : "******"))
        lines.append(("QUOTA_REQUESTS_PER_MINUTE", String(quotas.requestsPerMinute)))
        lines.append(("QUOTA_TOKENS_PER_DAY", String(quotas.tokensPerDay)))
        lines.append(("MAX_BODY_BYTES", String(maxBodyBytes)))
        lines.append(("LOG_LEVEL", logLevel.rawValue))
        lines.append(("LOG_FORMAT", logFormat.rawValue))
        lines.append(("CHAT_CONTEXT_MESSAGES", String(bots.contextMessages)))
        lines.append(("CHAT_CONTEXT_CHARS", String(bots.contextCharacters)))
        lines += limits.summary
        for (key, value) in botVariables.sorted(by: { $0.key < $1.key }) {
            lines.append((key, Self.isSecretBotKey(key) ? "******" : value))
        }
        return lines
    }

    /// Bot settings that carry credentials: API keys, secrets, and extra headers (which
    /// usually hold an `Authorization` or organisation token).
    static func isSecretBotKey(_ key: String) -> Bool {
        ["API_KEY", "SECRET", "HEADERS", "TOKEN", "PASSWORD"].contains { key.hasSuffix($0) }
    }

    /// Hides the password of a URL or keyword conninfo.
    static func maskConninfo(_ conninfo: String) -> String {
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
}
