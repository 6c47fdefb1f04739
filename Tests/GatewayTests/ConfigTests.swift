import Foundation
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps

@Suite struct ConfigTests {
    let base = [
        "DATABASE_URL": "postgresql://u:pw@db1:5432,db2:5432/app?target_session_attrs=read-write", "SECRET_KEY": TestApp.secret,
    ]

    @Test func defaults() throws {
        let config = try GatewayConfig(environment: base)
        #expect(config.port == 8000)
        #expect(config.host == "127.0.0.1")
        #expect(config.databasePoolSize == 10)
        #expect(config.accessTokenLifetime == .seconds(300))
        #expect(config.refreshTokenLifetime == .seconds(86400))
        #expect(config.sessionMaxLifetime == .seconds(30 * 86400))
        #expect(config.argon2 == Argon2Parameters(timeCost: 3, memoryKiB: 65536, parallelism: 2))
        #expect(config.maxBodyBytes == 1_048_576)
        #expect(config.logFormat == .json)
        #expect(config.logLevel == .info)
        #expect(config.hashThreads == max(1, ProcessInfo.processInfo.activeProcessorCount / 2))
        #expect(config.userCacheTTL == .seconds(30))
        #expect(config.limits.databaseStatementTimeout == .seconds(30))
        var off = base
        off["DB_STATEMENT_TIMEOUT_SECONDS"] = "0"
        #expect(try GatewayConfig(environment: off).limits.databaseStatementTimeout == nil)
        // The URL reaches libpq with timeouts added (its own settings kept).
        let url = try #require(base["DATABASE_URL"])
        #expect(config.databaseConninfo.hasPrefix(url + "&connect_timeout=5&keepalives=1&"))
        #expect(config.databaseConninfo.hasSuffix("&tcp_user_timeout=15000"))
        // The listener's session: DATABASE_URL's unless DATABASE_LISTEN_URL names another.
        #expect(config.databaseListenConninfo == config.databaseConninfo)
        var direct = base
        direct["DATABASE_LISTEN_URL"] = "postgresql://u:secret-pw@db-direct:5432/chat"
        let split = try GatewayConfig(environment: direct)
        #expect(split.databaseListenConninfo.hasPrefix("postgresql://u:secret-pw@db-direct:5432/chat?connect_timeout=5"))
        #expect(split.databaseConninfo == config.databaseConninfo)
        #expect(split.summary.contains { $0.1.contains("secret-pw") } == false)
    }

    @Test(arguments: [
        ("PORT", "eighty", "PORT must be an integer"),
        ("PORT", "70000", "PORT must be an integer between 0 and 65535, got \"70000\""),
        ("DB_POOL_SIZE", "0", "DB_POOL_SIZE must be an integer between"),
        ("LOG_FORMAT", "xml", "LOG_FORMAT must be one of json, text"),
        ("LOG_LEVEL", "loud", "LOG_LEVEL must be one of"),
        ("AUTO_MIGRATE", "maybe", "AUTO_MIGRATE must be true or false"),
        ("JWT_EXPIRE_MINUTES", "-1", "JWT_EXPIRE_MINUTES must be a number between 1.0 and 1440.0"),
        ("BOT_TIMEOUT_SECONDS", "0", "BOT_TIMEOUT_SECONDS must be a number between"),
        ("DB_POOL_TIMEOUT_SECONDS", "soon", "DB_POOL_TIMEOUT_SECONDS must be a number"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL must be a postgresql:// URL"),
    ])
    func badValuesNameTheVariable(key: String, value: String, message: String) throws {
        var env = base
        env[key] = value
        let error = #expect(throws: ConfigError.self) { try GatewayConfig(environment: env) }
        #expect(error?.variable == key)
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }

    @Test(arguments: ["", "short", "secret-key", "your_secret_key_here"])
    func weakSecretsAreRefused(secret: String) {
        var env = base
        env["SECRET_KEY"] = secret
        let error = #expect(throws: ConfigError.self) { try GatewayConfig(environment: env) }
        #expect(error?.variable == "SECRET_KEY")
    }

    @Test func weakSecretAllowedOnlyWithTheDevelopmentFlag() throws {
        var env = base
        env["SECRET_KEY"] = "secret-key"
        env["ALLOW_INSECURE_SECRET_KEY"] = "true"
        #expect(try GatewayConfig(environment: env).allowInsecureSecretKey)
    }

    @Test func referenceDatabaseVariablesBuildAConninfo() throws {
        let env = [
            "SECRET_KEY": TestApp.secret, "DATABASE_HOST": "db", "DATABASE_PORT": "6543", "DATABASE_USER": "app",
            "DATABASE_PASSWORD": "p'w", "DATABASE_NAME": "chat",
        ]
        let config = try GatewayConfig(environment: env)
        #expect(
            config.databaseConninfo.hasPrefix(
                #"host='db' port='6543' user='app' password='p\'w' dbname='chat' connect_timeout='5'"#))
        #expect(config.databaseConninfo.hasSuffix(#" tcp_user_timeout='15000'"#))
        let summary = Dictionary(uniqueKeysWithValues: config.summary)
        #expect(summary["DATABASE_URL"]?.contains("p'w") == false)
    }

    @Test func missingDatabaseIsReported() {
        let error = #expect(throws: ConfigError.self) { try GatewayConfig(environment: ["SECRET_KEY": TestApp.secret]) }
        #expect(error?.variable == "DATABASE_URL")
    }

    @Test func summaryMasksSecrets() throws {
        var env = base
        env["METRICS_PASS"] = "metrics-secret"
        env["BOT_HTTP_API_KEY"] = "sk-very-secret"
        env["BOT_HTTP_HEADERS"] = "Authorization: Bearer header-secret"
        env["TRUSTED_PROXIES"] = "10.0.0.0/8"
        let text = try GatewayConfig(environment: env).summary.map { "\($0)=\($1)" }.joined(separator: "\n")
        #expect(text.contains("TRUSTED_PROXIES=10.0.0.0/8"))
        for secret in [TestApp.secret, "metrics-secret", "sk-very-secret", ":pw@", "header-secret"] {
            #expect(text.contains(secret) == false)
        }
        #expect(text.contains("DATABASE_URL=postgresql://u:******@db1"))
    }

    /// `.env.example` is generated from the key table (`gateway env-example`): the committed
    /// file must be exactly what the table gives.
    @Test func envExampleIsGeneratedFromTheKeyTable() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let committed = try String(contentsOf: root.appendingPathComponent(".env.example"), encoding: .utf8)
        let generated = ConfigKey.envExample(botExamples: TestBots.registry.settingsExamples)
        #expect(committed == generated, "regenerate with: swift run gateway env-example > .env.example")
        // Every key appears once as an assignment, commented out only when it has no default.
        for key in ConfigKey.allCases {
            let active = committed.split(separator: "\n").filter { $0.hasPrefix("\(key.rawValue)=") }.count
            #expect(active == (key.spec.defaultValue == nil ? 0 : 1), "\(key.rawValue)")
        }
        #expect(committed.contains("# BOT_HTTP_URL="))
    }

    /// `docs/configuration.md` is generated from the same table (`gateway env-example
    /// --markdown`); `UPDATE_GENERATED=1` rewrites it.
    @Test func theConfigurationReferenceIsGeneratedFromTheKeyTable() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = root.appendingPathComponent("docs/configuration.md")
        let generated = ConfigKey.markdownReference(botExamples: TestBots.registry.settingsExamples)
        if ProcessInfo.processInfo.environment["UPDATE_GENERATED"] == "1" {
            try generated.write(to: path, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOf: path, encoding: .utf8)
        #expect(committed == generated, "regenerate with: swift run gateway env-example --markdown > docs/configuration.md")
        for key in ConfigKey.allCases { #expect(committed.contains("| `\(key.rawValue)` |"), "\(key.rawValue)") }
    }

    /// `check-config` prints every key of the table, once, in the table's order, and each
    /// default parses within its own range (the base environment sets almost nothing).
    @Test func checkConfigPrintsEveryKeyAndEveryDefaultParses() throws {
        let printed = try GatewayConfig(environment: base).summary.map(\.0)
        #expect(Array(printed.prefix(ConfigKey.allCases.count)) == ConfigKey.allCases.map(\.rawValue))
        for key in ConfigKey.allCases {
            let reader = ConfigReader(values: [:])
            switch key.spec.kind {
            case .integer where key.spec.defaultValue != nil: _ = try reader.int(key)
            case .duration: _ = try reader.duration(key)
            case .flag: _ = try reader.bool(key)
            case .choice: _ = try reader.choice(key)
            default: break
            }
        }
    }

    @Test func dotEnvParsing() throws {
        let parsed = try EnvironmentSource.parseDotEnv(
            """
            # comment
            PORT=9000
            export HOST = 0.0.0.0
            SECRET_KEY="quoted value # not a comment"
            LOG_LEVEL=debug # trailing comment

            """)
        #expect(
            parsed == ["PORT": "9000", "HOST": "0.0.0.0", "SECRET_KEY": "quoted value # not a comment", "LOG_LEVEL": "debug"])
        #expect(throws: ConfigError.self) { try EnvironmentSource.parseDotEnv("NOT A PAIR") }
    }

    @Test func dotEnvFileIsReadAndEnvironmentWins() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("env-\(UUID())").path
        try "GATEWAY_TEST_ONLY_KEY=from-file\nPATH=from-file\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let values = try EnvironmentSource.load(dotEnvPath: path)
        #expect(values["GATEWAY_TEST_ONLY_KEY"] == "from-file")
        #expect(values["PATH"] != "from-file")
    }
}
