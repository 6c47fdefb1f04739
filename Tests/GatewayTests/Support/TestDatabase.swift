import Foundation
import Logging

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import Postgres

/// Databases on the throwaway cluster started by `scripts/test` (TEST_DATABASE_URL).
/// Each test gets its own database, copied from a migrated template, so suites run in
/// parallel without seeing each other's rows.
enum TestDatabase {
    static let adminURL =
        ProcessInfo.processInfo.environment["TEST_DATABASE_URL"] ?? "postgresql://postgres@127.0.0.1:5432/postgres"

    /// The URL of database `name` on the test cluster.
    static func url(_ name: String) -> String {
        let base = adminURL[..<adminURL.lastIndex(of: "/")!]
        return "\(base)/\(name)"
    }

    static let admin = PostgresPool(conninfo: adminURL, size: 4, acquireTimeout: .seconds(30), logger: quietLogger)

    static var quietLogger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
    }

    /// A new empty database; returns its name.
    static func createEmpty() async throws -> String {
        let name = uniqueName("t")
        _ = try await admin.query("CREATE DATABASE \(raw: name)")
        return name
    }

    /// A new database holding the migrated schema; returns its name.
    static func createMigrated() async throws -> String {
        try await Template.shared.ready()
        let name = uniqueName("t")
        _ = try await admin.query("CREATE DATABASE \(raw: name) TEMPLATE \(raw: Template.name)")
        return name
    }

    /// A pool on one test database.
    static func pool(_ name: String, size: Int = 4, timeout: Duration = .seconds(10)) -> PostgresPool {
        PostgresPool(conninfo: url(name), size: size, acquireTimeout: timeout, logger: quietLogger)
    }

    /// Runs `body` with a pool on database `name`, shut down when it returns or throws.
    static func withPool<T>(
        _ name: String, size: Int = 4, timeout: Duration = .seconds(10), _ body: (PostgresPool) async throws -> T
    ) async throws -> T {
        let pool = pool(name, size: size, timeout: timeout)
        do {
            let value = try await body(pool)
            await pool.shutdown()
            return value
        } catch {
            await pool.shutdown()
            throw error
        }
    }

    static var migrationsDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("migrations").path
    }

    /// Builds the migrated template database once per test process.
    actor Template {
        static let shared = Template()
        static let name = "gateway_template_\(ProcessInfo.processInfo.processIdentifier)"
        private var task: Task<Void, any Error>?

        func ready() async throws {
            if task == nil {
                task = Task {
                    _ = try await admin.query("CREATE DATABASE \(raw: Self.name)")
                    let pool = TestDatabase.pool(Self.name, size: 1)
                    let migrations = try Migrator.load(directory: migrationsDirectory)
                    try await Migrator(migrations: migrations, logger: quietLogger).run(on: pool)
                    await pool.shutdown()
                }
            }
            try await task!.value
        }
    }
}
