/// The bounds that keep one client, one outage or one slow peer from stalling the
/// gateway: who is believed about client addresses, how much hashing may queue, how many
/// streams may run, how long reads, writes, database calls and shutdown may take.
public struct LimitsConfig: Sendable {
    /// `TRUSTED_PROXIES` (none): addresses and CIDRs whose `X-Forwarded-For` is believed.
    var trustedProxies: TrustedProxies
    /// `THROTTLE_MAX_KEYS` (100000): keys each throttle remembers before evicting the oldest.
    public var throttleMaxKeys: Int
    /// `HASH_QUEUE_MAX` (64): password hashes queued or running at once; beyond, 503.
    /// Registrations may use at most half of it, so a registration flood leaves room for logins.
    public var hashQueueMax: Int
    /// `MAX_STREAMS_PER_USER` (16, → 429) and `MAX_STREAMS` (5000, → 503): open streams
    /// (about 80 KB each, measured by `scripts/bench`).
    public var maxStreamsPerUser: Int
    public var maxStreams: Int
    /// `STREAM_WRITE_TIMEOUT_SECONDS` (30): a stream whose reader takes no bytes this long is closed.
    public var streamWriteTimeout: Duration
    /// `HTTP_IDLE_TIMEOUT_SECONDS` (60): a connection without a complete request head this
    /// long (idle keep-alive, or a slow-loris head) is closed.
    public var httpIdleTimeout: Duration
    /// `HTTP_BODY_TIMEOUT_SECONDS` (30): a request body must arrive within this; else 408.
    public var httpBodyTimeout: Duration
    /// `SHUTDOWN_GRACE_SECONDS` (10): on SIGTERM, open streams may finish this long; then
    /// they end with an `error` event and what they produced is stored as `partial`.
    public var shutdownGrace: Duration
    /// `DB_STATEMENT_TIMEOUT_SECONDS` (30): `statement_timeout` set on each pool connection
    /// after it connects (migrations run without one); 0 leaves the server's or the URL's
    /// own setting. `connect_timeout` and TCP keepalives go into the conninfo (`DatabaseURL`).
    public var databaseStatementTimeout: Duration?
    /// `API_KEY_DEFAULT_DAYS` (90): lifetime of an API key created without
    /// `expires_in_days`; 0 keeps such keys until revoked.
    public var apiKeyDefaultDays: Int?

    init(_ env: ConfigReader) throws {
        switch TrustedProxies.parse(env.string("TRUSTED_PROXIES") ?? "") {
        case .success(let proxies): trustedProxies = proxies
        case .failure(let bad):
            throw ConfigError("TRUSTED_PROXIES", "must be a comma-separated list of IP addresses or CIDRs, got \"\(bad.text)\"")
        }
        throttleMaxKeys = try env.int("THROTTLE_MAX_KEYS", default: 100_000, range: 100...10_000_000)
        hashQueueMax = try env.int("HASH_QUEUE_MAX", default: 64, range: 2...100_000)
        maxStreamsPerUser = try env.int("MAX_STREAMS_PER_USER", default: 16, range: 1...100_000)
        maxStreams = try env.int("MAX_STREAMS", default: 5000, range: 1...1_000_000)
        streamWriteTimeout = try Self.seconds(env, "STREAM_WRITE_TIMEOUT_SECONDS", default: 30)
        httpIdleTimeout = try Self.seconds(env, "HTTP_IDLE_TIMEOUT_SECONDS", default: 60)
        httpBodyTimeout = try Self.seconds(env, "HTTP_BODY_TIMEOUT_SECONDS", default: 30)
        shutdownGrace = try Self.seconds(env, "SHUTDOWN_GRACE_SECONDS", default: 10, range: 0...3600)
        let statement = try Self.seconds(env, "DB_STATEMENT_TIMEOUT_SECONDS", default: 30, range: 0...86400)
        databaseStatementTimeout = statement == .zero ? nil : statement
        let keyDays = try env.int("API_KEY_DEFAULT_DAYS", default: 90, range: 0...3650)
        apiKeyDefaultDays = keyDays == 0 ? nil : keyDays
    }

    private static func seconds(
        _ env: ConfigReader, _ key: String, default fallback: Double, range: ClosedRange<Double> = 0.05...86400
    ) throws -> Duration {
        .milliseconds(Int(try env.double(key, default: fallback, range: range) * 1000))
    }

    /// Lines for `check-config`.
    var summary: [(String, String)] {
        [
            ("TRUSTED_PROXIES", trustedProxies.networks.map { "\($0.base)/\($0.prefixLength)" }.joined(separator: ",")),
            ("THROTTLE_MAX_KEYS", String(throttleMaxKeys)), ("HASH_QUEUE_MAX", String(hashQueueMax)),
            ("MAX_STREAMS_PER_USER", String(maxStreamsPerUser)), ("MAX_STREAMS", String(maxStreams)),
            ("STREAM_WRITE_TIMEOUT_SECONDS", "\(streamWriteTimeout)"), ("HTTP_IDLE_TIMEOUT_SECONDS", "\(httpIdleTimeout)"),
            ("HTTP_BODY_TIMEOUT_SECONDS", "\(httpBodyTimeout)"), ("SHUTDOWN_GRACE_SECONDS", "\(shutdownGrace)"),
            ("DB_STATEMENT_TIMEOUT_SECONDS", databaseStatementTimeout.map { "\($0)" } ?? "0 (server's setting)"),
            ("API_KEY_DEFAULT_DAYS", String(apiKeyDefaultDays ?? 0)),
        ]
    }
}
