import Postgres

/// The bounds (defaults and ranges in `ConfigKey`) that keep one client, one outage or one slow peer from stalling the
/// gateway: who is believed about client addresses, how much hashing may queue, how many
/// streams may run, how long reads, writes, database calls and shutdown may take.
public struct LimitsConfig: Sendable {
    /// `TRUSTED_PROXIES`: addresses and CIDRs whose `X-Forwarded-For` is believed.
    package var trustedProxies: TrustedProxies
    /// `MAX_CONNECTIONS`: client connections served at once. Each may hold an upstream
    /// connection too, so the default keeps clients and their upstreams within 3/4 of the
    /// process's open-file limit (a process out of file descriptors fails in ways it cannot
    /// recover from, down to the runtime's own thread pool); beyond it, new connections wait.
    public var maxConnections: Int
    /// `THROTTLE_MAX_KEYS`: keys each throttle remembers before evicting the oldest.
    public var throttleMaxKeys: Int
    /// `HASH_QUEUE_MAX`: password hashes queued or running at once; beyond, 503.
    /// Registrations may use at most half of it, so a registration flood leaves room for logins.
    public var hashQueueMax: Int
    /// `MAX_STREAMS_PER_USER` and `MAX_STREAMS`: open streams
    /// (about 80 KB each, measured by `scripts/bench`).
    public var maxStreamsPerUser: Int
    public var maxStreams: Int
    /// `STREAM_WRITE_TIMEOUT_SECONDS`: a stream whose reader takes no bytes this long is closed.
    public var streamWriteTimeout: Duration
    /// `HTTP_IDLE_TIMEOUT_SECONDS`: a connection without a complete request head this
    /// long (idle keep-alive, or a slow-loris head) is closed.
    public var httpIdleTimeout: Duration
    /// `HTTP_BODY_TIMEOUT_SECONDS`: a request body must arrive within this; else 408.
    public var httpBodyTimeout: Duration
    /// `SHUTDOWN_GRACE_SECONDS`: on SIGTERM, open streams may finish this long; then
    /// they end with an `error` event and what they produced is stored as `partial`.
    public var shutdownGrace: Duration
    /// `SHUTDOWN_DRAIN_SECONDS`: after SIGTERM, `/ready` is 503 and requests are still served this long.
    public var shutdownDrain: Duration
    /// `DB_STATEMENT_TIMEOUT_SECONDS`: `statement_timeout` set on each pool connection
    /// after it connects (migrations run without one); 0 leaves the server's or the URL's
    /// own setting. `connect_timeout` and TCP keepalives go into the conninfo (`DatabaseURL`).
    public var databaseStatementTimeout: Duration?
    /// `API_KEY_DEFAULT_DAYS`: lifetime of an API key created without
    /// `expires_in_days`; 0 keeps such keys until revoked.
    public var apiKeyDefaultDays: Int?

    package init(_ env: ConfigReader) throws {
        switch TrustedProxies.parse(env.string(.trustedProxies) ?? "") {
        case .success(let proxies): trustedProxies = proxies
        case .failure(let bad):
            throw ConfigError("TRUSTED_PROXIES", "must be a comma-separated list of IP addresses or CIDRs, got \"\(bad.text)\"")
        }
        maxConnections = try env.int(.maxConnections, default: FileDescriptors.connectionBudget)
        throttleMaxKeys = try env.int(.throttleMaxKeys)
        hashQueueMax = try env.int(.hashQueueMax)
        maxStreamsPerUser = try env.int(.maxStreamsPerUser)
        maxStreams = try env.int(.maxStreams)
        streamWriteTimeout = try env.duration(.streamWriteTimeout)
        httpIdleTimeout = try env.duration(.httpIdleTimeout)
        httpBodyTimeout = try env.duration(.httpBodyTimeout)
        shutdownGrace = try env.duration(.shutdownGrace)
        shutdownDrain = try env.duration(.shutdownDrain)
        let statement = try env.duration(.statementTimeout)
        databaseStatementTimeout = statement == .zero ? nil : statement
        let keyDays = try env.int(.apiKeyDefaultDays)
        apiKeyDefaultDays = keyDays == 0 ? nil : keyDays
    }
}
