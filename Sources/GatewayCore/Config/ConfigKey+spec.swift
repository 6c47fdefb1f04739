import Postgres

// The configuration table: one entry per key, in `.env.example`'s order.
extension ConfigKey {
    /// Type, default, range, secrecy and help of this key.
    public var spec: ConfigSpec {
        switch self {
        case .host: .init(.http, .text, "127.0.0.1", "listen address")
        case .port: .init(.http, .integer(0...65535), "8000", "listen port")
        case .maxBodyBytes:
            .init(.http, .integer(1024...104_857_600), "1048576", "larger request bodies get 413")
        case .httpIdleTimeout:
            .init(.http, .seconds(0.05...86400), "60", "a connection without a complete request head this long is closed")
        case .httpBodyTimeout:
            .init(.http, .seconds(0.05...86400), "30", "a request body must arrive in full this soon after its head")
        case .trustedProxies:
            .init(
                .http, .text, nil, example: "10.0.0.0/8,::1",
                "proxies whose X-Forwarded-For is believed (unset: the peer is the client)")
        case .shutdownDrain:
            .init(
                .http, .seconds(0...600), "0",
                "on SIGTERM /ready answers 503 at once and everything is still served this long (a load balancer's time to notice)"
            )
        case .shutdownGrace:
            .init(.http, .seconds(0...3600), "10", "on SIGTERM open streams may finish this long, then end with an error event")
        case .maxConnections:
            .init(
                .http, .integer(16...1_000_000), nil, example: "7500",
                "client connections at once; beyond, new ones wait in the backlog (default: 3/8 of the open-file limit)")

        case .maxStreamsPerUser:
            .init(.streams, .integer(1...100_000), "16", "open streams per user; beyond, 429 too_many_streams")
        case .maxStreams: .init(.streams, .integer(1...1_000_000), "5000", "open streams per process; beyond, 503 server_busy")
        case .streamWriteTimeout:
            .init(.streams, .seconds(0.05...86400), "30", "a reader that takes no bytes this long is disconnected")

        case .databaseURL:
            .init(
                .database, .text, nil, example: "postgresql://user:pass@127.0.0.1:5432/chat", secret: true,
                "handed to libpq as is (multi-host, sslmode, target_session_attrs… work)",
                note:
                    "Either DATABASE_URL or the reference service's DATABASE_* variables. Unless the URL sets them, the gateway\n"
                    + "adds connect_timeout, keepalives and tcp_user_timeout=15000 so a silent database host is noticed in seconds."
            )
        case .databaseListenURL:
            .init(
                .database, .text, nil, example: "postgresql://user:pass@db-direct:5432/chat", secret: true,
                "the one session the cache listener holds for LISTEN (unset: DATABASE_URL); point it past a pooler",
                note: "A pooler in transaction mode (PgBouncer) cannot carry LISTEN: give the listener a direct connection.")
        case .databaseReadURL:
            .init(
                .database, .text, nil, example: "postgresql://user:pass@db-standby:5432/chat", secret: true,
                "a streaming standby for reads that may lag: conversation lists and views, usage and admin reports",
                note:
                    "Auth, budgets, quotas, turn writes and the history a turn continues always use DATABASE_URL. A user's\n"
                    + "reads stay on the primary until the standby has replayed their last write (through this process).")
        case .databaseReadMaxLag:
            .init(
                .database, .seconds(0.1...3600), "2",
                "reads go to the standby only while it has replayed the primary's WAL of this long ago")
        case .databaseHost: .init(.database, .text, nil, example: "127.0.0.1", "used when DATABASE_URL is unset")
        case .databasePort: .init(.database, .integer(1...65535), "5432", "used when DATABASE_URL is unset")
        case .databaseUser: .init(.database, .text, nil, example: "postgres", "used when DATABASE_URL is unset")
        case .databasePassword: .init(.database, .text, nil, example: "secret", secret: true, "used when DATABASE_URL is unset")
        case .databaseName: .init(.database, .text, nil, example: "chat", "used when DATABASE_URL is unset")
        case .poolSize: .init(.database, .integer(1...500), "10", "connections, each with its own thread")
        case .poolTimeout:
            .init(
                .database, .seconds(0.01...600), "5",
                "wait for a free connection (or a connect) before 503; also libpq's connect_timeout")
        case .statementTimeout:
            .init(.database, .seconds(0...86400), "30", "statement_timeout of each pool connection; 0 = the server's/URL's own")
        case .poolMode:
            .init(
                .database, .choice(["session", "transaction"]), "session",
                "transaction: DATABASE_URL reaches a transaction-mode pooler (PgBouncer); nothing is kept on a session",
                note:
                    "In transaction mode no statement is prepared by name and the statement timeout is set per transaction\n"
                    + "(SET LOCAL); give DATABASE_LISTEN_URL a direct connection, as LISTEN needs a session.")
        case .userCache:
            .init(
                .database, .seconds(0...3600), "30",
                "bearer checks reuse a user this long; changes invalidate at once (LISTEN/NOTIFY); 0 = off")
        case .autoMigrate: .init(.database, .flag, "true", "`serve` applies pending migrations at startup")
        case .migrationsDirectory: .init(.database, .text, "migrations", "where the SQL migrations live")

        case .secretKey:
            .init(
                .tokens, .text, nil, example: "<64 hex characters>", secret: true,
                "HS256 key: at least 32 bytes, not a known default (openssl rand -hex 32); scripts/run generates one")
        case .allowInsecureSecretKey: .init(.tokens, .flag, "false", "development only: accept a weak key, loudly")
        case .accessTokenLifetime: .init(.tokens, .duration(1...1440, unit: .minutes), "5", "access token lifetime")
        case .refreshTokenLifetime: .init(.tokens, .duration(1...365, unit: .days), "1", "sliding refresh-token lifetime")
        case .sessionMaxLifetime: .init(.tokens, .duration(1...3650, unit: .days), "30", "cap on a session from its first login")
        case .refreshReuseGrace:
            .init(.tokens, .seconds(0...300), "10", "a token rotated this recently gets the same successor again (two tabs)")
        case .cookieSecure: .init(.tokens, .flag, "true", "Secure attribute on the refresh cookie")

        case .argon2TimeCost: .init(.passwords, .integer(1...100), "3", "Argon2id iterations")
        case .argon2MemoryCost: .init(.passwords, .integer(8...4_194_304), "65536", "Argon2id memory in KiB")
        case .argon2Parallelism: .init(.passwords, .integer(1...64), "2", "Argon2id lanes")
        case .hashThreads:
            .init(
                .passwords, .integer(1...256), nil, example: "1",
                "hashes at once (default: cores / ARGON2_PARALLELISM, at least 1)")
        case .hashNice:
            .init(
                .passwords, .integer(0...19), "19",
                "nice value of the hashing threads: 19 lets a burst of logins slow only logins; 0 competes as an equal")
        case .hashQueueMax:
            .init(
                .passwords, .integer(2...100_000), "64", "hashes queued or running; beyond, 503 (registrations get at most half)")

        case .loginMaxFailures:
            .init(.throttling, .integer(1...1_000_000), "10", "login attempts per email+IP per window, counted before hashing")
        case .loginMaxFailuresPerIP:
            .init(
                .throttling, .integer(1...1_000_000), "100",
                "login attempts per IP per window; a successful login takes its own back")
        case .refreshMaxPerIP: .init(.throttling, .integer(1...100_000_000), "600", "refresh attempts per IP per window")
        case .registerMaxPerIP: .init(.throttling, .integer(1...100_000_000), "20", "registrations per IP per window")
        case .throttleWindow: .init(.throttling, .seconds(1...86400), "900", "window length")
        case .throttleMaxKeys:
            .init(
                .throttling, .integer(100...10_000_000), "100000",
                "keys each in-memory throttle remembers; the oldest window is evicted beyond")
        case .throttleStore:
            .init(
                .throttling, .choice(["postgres", "memory"]), "postgres",
                "where the counters live: postgres is shared by every replica (a round trip per attempt); memory counts per process"
            )

        case .quotaRequestsPerMinute:
            .init(
                .quotas, .integer(0...1_000_000), "0",
                "chat and /v1 calls per user per minute; beyond, 429 quota_exceeded; 0 = off")
        case .quotaTokensPerDay:
            .init(.quotas, .integer(0...1_000_000_000_000), "0", "input+output tokens per user per UTC day; 0 = off")
        case .apiKeyDefaultDays:
            .init(
                .quotas, .integer(0...3650), "90",
                "lifetime in days of an API key created without expires_in_days; 0 = until revoked")
        case .costCurrency:
            .init(
                .quotas, .text, "USD",
                "currency of the bots' prices (BOT_<NAME>_PRICE_INPUT, _OUTPUT, _CACHED_INPUT per million tokens) and of cost budgets"
            )
        case .budgetDefaultMaxTokens:
            .init(
                .quotas, .integer(1...10_000_000), "4096",
                "output tokens reserved against a budget for a call that sets no max_tokens")

        case .metricsUser:
            .init(.operations, .text, nil, example: "metrics", "Basic auth user of GET /metrics (unset: always 401)")
        case .metricsPassword:
            .init(.operations, .text, nil, example: "change-me", secret: true, "Basic auth password of GET /metrics")
        case .logLevel:
            .init(
                .operations, .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]), "info", "log level")
        case .logFormat: .init(.operations, .choice(["json", "text"]), "json", "one JSON object per line, or text")
        case .securityEventsRetention:
            .init(
                .operations, .integer(0...3650), "90",
                "days security events are kept in PostgreSQL for administrators; 0 = logged only")
        case .messagesRetention:
            .init(
                .operations, .integer(0...36500), "0",
                "drop whole months of messages that ended this many days ago; 0 = keep every message",
                note:
                    "messages are partitioned by month: a month's partition is dropped once all of it is older than this\n"
                    + "(no row-by-row delete). Conversations stay, with what is left of their messages.")
        case .otelEndpoint:
            .init(
                .operations, .text, nil, example: "http://127.0.0.1:4318",
                "OpenTelemetry collector (OTLP/HTTP) receiving a trace per request (unset, and no OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "
                    + "tracing off); the other OTEL_* variables (OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_SERVICE_NAME, "
                    + "OTEL_TRACES_SAMPLER…) work as the OpenTelemetry specification says")
        case .adminEmails:
            .init(
                .operations, .text, nil, example: "ops@example.com",
                "comma-separated emails that may administer (unset: any). It confirms, never grants: administrators are made on the "
                    + "host with gateway admin grant EMAIL")

        case .botProvider: .init(.bots, .text, "echo", "kind of the bot named \"default\": echo or http")
        case .botTimeout:
            .init(.bots, .seconds(0.05...3600), "60", "bound on any bot call; BOT_<NAME>_TIMEOUT_SECONDS per bot")
        case .botSystemPrompt:
            .init(.bots, .text, nil, example: "You are a helpful assistant.", "system message prepended to every conversation")
        case .botFallback: .init(.bots, .text, nil, example: "local", "bot used when the chosen one fails before any output")
        case .botHealthCache:
            .init(
                .bots, .seconds(0.1...3600), "10",
                "how long a bot's health answer is reused: GET /api/v1/bots never waits on an upstream")
        case .bots:
            .init(.bots, .text, nil, example: "local=http,claude=http", "extra named bots, name=kind; settings BOT_<NAME>_<KEY>")
        case .contextMessages: .init(.bots, .integer(0...1000), "20", "previous messages sent with each turn")
        case .contextCharacters: .init(.bots, .integer(0...10_000_000), "16000", "character budget of that context")
        case .conversationImageBytes:
            .init(
                .bots, .integer(0...8_388_608), "262144",
                "largest base64 image kept in a stored conversation (bytes of base64; URLs always kept)")
        }
    }
}

extension ConfigSpec.Kind {
    /// A number of seconds.
    package static func seconds(_ range: ClosedRange<Double>) -> Self { .duration(range, unit: .seconds) }
}
