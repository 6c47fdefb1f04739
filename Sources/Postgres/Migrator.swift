import Crypto
import Foundation
import Logging

/// One SQL file of `migrations/`, named `NNNN_description.sql`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String
    /// SHA-256 of the file's bytes, hex.
    public let checksum: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// Why migrations could not run.
public enum MigrationError: Error, CustomStringConvertible, Equatable {
    case directoryMissing(String)
    case badFileName(String)
    case duplicateVersion(Int)
    case changedAfterApply(version: Int, name: String)
    case unknownApplied(version: Int)

    public var description: String {
        switch self {
        case .directoryMissing(let path): "migrations directory not found: \(path)"
        case .badFileName(let name): "migration file name must look like 0001_name.sql: \(name)"
        case .duplicateVersion(let v): "two migration files share version \(v)"
        case .changedAfterApply(let v, let name):
            "migration \(String(format: "%04d", v))_\(name) was changed after it was applied; restore the original file"
        case .unknownApplied(let v): "the database has migration \(v) applied, which this build does not know"
        }
    }
}

/// Applies `migrations/*.sql` in order, each in its own transaction, recorded with a
/// checksum in `schema_migrations`. A PostgreSQL advisory lock serialises concurrent
/// migrators (several replicas starting at once).
public struct Migrator: Sendable {
    /// Arbitrary constant naming the gateway's migration lock.
    package static let advisoryLockKey = 7_262_000_001

    public let migrations: [Migration]
    package let logger: Logger

    public init(migrations: [Migration], logger: Logger) {
        self.migrations = migrations
        self.logger = logger
    }

    /// Loads every `NNNN_*.sql` of a directory, ordered by version.
    public static func load(directory: String) throws -> [Migration] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw MigrationError.directoryMissing(directory)
        }
        var migrations: [Migration] = []
        for file in names.sorted() where file.hasSuffix(".sql") {
            let stem = file.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]) else {
                throw MigrationError.badFileName(file)
            }
            let sql = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            migrations.append(Migration(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql))
        }
        let versions = migrations.map(\.version)
        if let duplicate = versions.first(where: { v in versions.filter { $0 == v }.count > 1 }) {
            throw MigrationError.duplicateVersion(duplicate)
        }
        return migrations.sorted { $0.version < $1.version }
    }

    /// Applies pending migrations; returns the versions applied by this call.
    ///
    /// Each migration runs in a transaction of its own that first takes the migration lock
    /// (`pg_advisory_xact_lock`, released by its commit) and reads what is applied: nothing
    /// is held on the session between transactions, so this works as well through a
    /// transaction-mode pooler, and a replica that waited on the lock sees the other's work.
    @discardableResult
    public func run(on pool: PostgresPool) async throws -> [Int] {
        let migrations = self.migrations
        let logger = self.logger
        return try await pool.withConnection { connection in
            var done: [Int] = []
            while true {
                // Migrations may rewrite large tables: no statement timeout in these transactions.
                try connection.begin(statementTimeout: 0)
                do {
                    guard let migration = try Self.nextPending(migrations, on: connection) else {
                        _ = try connection.execute("COMMIT", [])
                        return done
                    }
                    try connection.executeScript(migration.sql)
                    _ = try connection.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                        [String(migration.version), migration.name, migration.checksum])
                    _ = try connection.execute("COMMIT", [])
                    logger.info(
                        "migration applied", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                    done.append(migration.version)
                } catch {
                    if connection.isOpen { _ = try? connection.execute("ROLLBACK", []) }
                    throw error
                }
            }
        }
    }

    /// Inside a transaction: takes the lock, checks what is applied against the files and
    /// returns the first migration not applied yet.
    private static func nextPending(_ migrations: [Migration], on connection: PQConnection) throws -> Migration? {
        _ = try connection.execute("SELECT pg_advisory_xact_lock($1)", [String(advisoryLockKey)])
        _ = try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())
            """, [])
        let applied = try connection.execute("SELECT version, checksum FROM schema_migrations", [])
        var checksums: [Int: String] = [:]
        for row in applied.rows {
            checksums[try row.decode("version")] = try row.decode("checksum", as: String.self)
        }
        let known = Set(migrations.map(\.version))
        if let stray = checksums.keys.sorted().first(where: { known.contains($0) == false }) {
            throw MigrationError.unknownApplied(version: stray)
        }
        for migration in migrations {
            guard let checksum = checksums[migration.version] else { return migration }
            guard checksum == migration.checksum else {
                throw MigrationError.changedAfterApply(version: migration.version, name: migration.name)
            }
        }
        return nil
    }
}
