import BotKit
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Postgres

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps

/// Builds a gateway on its own migrated database and runs `body` against it over a real
/// loopback HTTP connection.
struct TestApp {
    static let secret = "test-secret-key-0123456789abcdef-0123456789"

    /// Variables every test starts from: fast Argon2 parameters, a strong secret.
    static func environment(database: String, _ overrides: [String: String] = [:]) -> [String: String] {
        var env: [String: String] = [
            "DATABASE_URL": TestDatabase.url(database), "SECRET_KEY": secret, "HOST": "127.0.0.1", "PORT": "0",
            "ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST": "1024", "ARGON2_PARALLELISM": "1",
            "MIGRATIONS_DIR": TestDatabase.migrationsDirectory, "DB_POOL_SIZE": "4", "HASH_THREADS": "2",
            "REGISTER_MAX_PER_IP": "100000",
            // Hashing competes as an equal: at nice 19 (the default, checked in LoginTests) a
            // second suite beside this one starves it past the clients' timeouts.
            "HASH_NICE": "0",
        ]
        env.merge(overrides) { $1 }
        return env
    }

    static func services(
        database: String, _ overrides: [String: String] = [:], logger: Logger = TestDatabase.quietLogger,
        now: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> GatewayServices {
        Observability.bootstrap()
        let config = try GatewayConfig(environment: environment(database: database, overrides))
        return try await GatewayServices(
            config: config, logger: logger, registry: TestBots.registry, stores: .postgres(config, logger: logger), now: now)
    }

    /// Runs `body` with a client of a live gateway on a fresh database; every response is
    /// checked against the OpenAPI document.
    static func run(
        _ overrides: [String: String] = [:], logger: Logger = TestDatabase.quietLogger, database: String? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        _ body: @Sendable (any TestClientProtocol, GatewayServices) async throws -> Void
    ) async throws {
        let name: String
        if let database { name = database } else { name = try await TestDatabase.createMigrated() }
        let services = try await services(database: name, overrides, logger: logger, now: now)
        let app = buildApplication(services)
        try await app.test(.live) { client in try await body(ConformingClient(inner: client), services) }
        await services.shutdown()
    }
}

extension TestClientProtocol {
    /// Sends a JSON body (or raw text) and returns the response.
    @discardableResult
    func send(
        _ method: HTTPRequest.Method, _ uri: String, json: String? = nil, bearer: String? = nil, cookie: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if json != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        if let cookie { headers[.cookie] = "refresh_token=\(cookie)" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    /// Registers a user; returns the email.
    @discardableResult
    func register(name: String = "Ada", email: String, password: String = "Passw0rd!") async throws -> TestResponse {
        try await send(
            .post, "/api/v1/users/register", json: #"{"name":"\#(name)","email":"\#(email)","password":"\#(password)"}"#)
    }

    /// Logs in; returns the access token and refresh cookie value.
    func login(email: String, password: String = "Passw0rd!", headers: HTTPFields = [:]) async throws -> (
        access: String, refresh: String
    ) {
        let response = try await send(
            .post, "/api/v1/users/login", json: #"{"email":"\#(email)","password":"\#(password)"}"#, headers: headers)
        guard response.status == .ok else { throw TestFailure("login failed: \(response.status) \(response.text)") }
        return (try response.json()["access_token"].flatMap { $0 as? String } ?? "", response.refreshCookie ?? "")
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(text)")
        }
        return object
    }

    /// The `refresh_token` value set by this response, if any.
    var refreshCookie: String? {
        guard let header = headers[.setCookie], header.hasPrefix("refresh_token=") else { return nil }
        let value = header.dropFirst("refresh_token=".count).prefix { $0 != ";" }
        return value.isEmpty ? nil : String(value)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A log handler that keeps every rendered line, for tests that inspect logs.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    var logger: Logger {
        Logger(label: "capture") { _ in CaptureHandler(capture: self) }
    }

    func append(_ line: String) {
        lock.lock()
        lines.append(line)
        lock.unlock()
    }

    var all: String {
        lock.lock()
        defer { lock.unlock() }
        return lines.joined(separator: "\n")
    }

    struct CaptureHandler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            var fields = metadata
            if let extra = event.metadata { fields.merge(extra) { $1 } }
            capture.append("\(event.level) \(event.message) \(fields)")
        }
    }
}

extension GatewayServices {
    /// The test database's pool (these gateways keep their state in PostgreSQL).
    var pool: PostgresPool { database! }
}
