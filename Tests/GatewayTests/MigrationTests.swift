import Foundation
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import Postgres

@Suite struct MigrationTests {
    let migrations = try! Migrator.load(directory: TestDatabase.migrationsDirectory)

    func migrator(_ list: [Migration]? = nil) -> Migrator {
        Migrator(migrations: list ?? migrations, logger: TestDatabase.quietLogger)
    }

    @Test func filesLoadInOrder() {
        #expect(migrations.map(\.version) == migrations.map(\.version).sorted())
        #expect(migrations.first?.version == 1)
        #expect(migrations.allSatisfy { $0.checksum.count == 64 })
    }

    @Test func emptyDatabaseThenRerunIsANoOp() async throws {
        let pool = TestDatabase.pool(try await TestDatabase.createEmpty())
        let applied = try await migrator().run(on: pool)
        #expect(applied == migrations.map(\.version))
        #expect(try await migrator().run(on: pool).isEmpty)
        let tables = try await pool.query(
            """
            SELECT table_name FROM information_schema.tables t JOIN pg_class c ON c.relname = t.table_name
            WHERE table_schema = 'public' AND NOT c.relispartition ORDER BY 1
            """)
        let names = try tables.rows.map { try $0.decode("table_name", as: String.self) }
        #expect(
            names == [
                "api_keys", "auth_sessions", "budget_holds", "budgets", "conversations", "messages", "refresh_tokens",
                "request_counters", "schema_migrations", "security_events", "throttle_windows", "usage_by_key", "usage_daily",
                "users",
            ])
        await pool.shutdown()
    }

    @Test func adoptsTheReferenceDatabaseKeepingRows() async throws {
        let pool = TestDatabase.pool(try await TestDatabase.createEmpty())
        // The reference's schema as Alembic created it, with rows.
        _ = try await pool.withConnection { connection in
            try connection.executeScript(
                """
                CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY);
                INSERT INTO alembic_version VALUES ('02fe4e9c4c15');
                CREATE TABLE users (id SERIAL PRIMARY KEY, name VARCHAR(128) NOT NULL,
                    email VARCHAR(256) NOT NULL, hashed_password VARCHAR(256) NOT NULL);
                CREATE UNIQUE INDEX ix_users_email ON users (email);
                CREATE INDEX ix_users_id ON users (id);
                CREATE TABLE refresh_tokens (id SERIAL PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
                    token VARCHAR(512) NOT NULL, expires_at TIMESTAMPTZ NOT NULL, revoked BOOLEAN NOT NULL,
                    created_at TIMESTAMPTZ NOT NULL, user_agent VARCHAR(256), ip_address VARCHAR(64));
                CREATE UNIQUE INDEX ix_refresh_tokens_token ON refresh_tokens (token);
                INSERT INTO users (name, email, hashed_password) VALUES
                    ('Old', 'Old@example.com', '\(Fixtures.argon2Reference)'),
                    ('Bee', 'bee@example.com', '\(Fixtures.bcrypt2b)');
                INSERT INTO refresh_tokens (user_id, token, expires_at, revoked, created_at, user_agent, ip_address) VALUES
                    (1, 'plain-token-one', now() + interval '1 day', false, now(), 'ua', '10.0.0.1'),
                    (2, 'plain-token-two', now() + interval '1 day', true, now(), NULL, NULL);
                """)
        }
        try await migrator().run(on: pool)
        let users = try await pool.query("SELECT name, email FROM users ORDER BY id")
        #expect(try users.rows.map { try $0.decode("email", as: String.self) } == ["Old@example.com", "bee@example.com"])
        let tokens = try await pool.query("SELECT token, session_id FROM refresh_tokens ORDER BY id")
        #expect(try tokens.first!.decode("token", as: String.self) == RefreshTokenFactory.hash("plain-token-one"))
        #expect(try tokens.rows.allSatisfy { try $0.decodeIfPresent("session_id", as: UUID.self) != nil })
        let sessions = try await pool.query("SELECT count(*) AS n FROM auth_sessions WHERE revoked_at IS NULL")
        #expect(try sessions.first!.decode("n", as: Int.self) == 1)
        // The reference's own statements still run against the adopted schema.
        _ = try await pool.query(
            "INSERT INTO refresh_tokens (user_id, token, expires_at, revoked, created_at) VALUES (1, 'x', now(), false, now())")
        _ = try await pool.query("DELETE FROM refresh_tokens WHERE user_id = \(1)")
        _ = try await pool.query("DELETE FROM users WHERE id = \(1)")
        await pool.shutdown()
    }

    @Test func changedAppliedFileRefusesToRun() async throws {
        let pool = TestDatabase.pool(try await TestDatabase.createEmpty())
        try await migrator().run(on: pool)
        var changed = migrations
        changed[0] = Migration(version: changed[0].version, name: changed[0].name, sql: changed[0].sql + "\n-- edited")
        await #expect(throws: MigrationError.changedAfterApply(version: 1, name: changed[0].name)) {
            try await migrator(changed).run(on: pool)
        }
        await #expect(throws: MigrationError.unknownApplied(version: 2)) {
            try await migrator([migrations[0]]).run(on: pool)
        }
        await pool.shutdown()
    }

    @Test func failingMigrationRollsBackWholly() async throws {
        let pool = TestDatabase.pool(try await TestDatabase.createEmpty())
        let bad = Migration(version: 1, name: "bad", sql: "CREATE TABLE half (id int); SELECT * FROM missing_table;")
        await #expect(throws: DatabaseError.self) { try await migrator([bad]).run(on: pool) }
        let half = try await pool.query("SELECT to_regclass('half') IS NULL AS gone")
        #expect(try half.first!.decode("gone", as: Bool.self))
        await pool.shutdown()
    }

    @Test func concurrentMigratorsApplyEachFileOnce() async throws {
        let name = try await TestDatabase.createEmpty()
        let results = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<3 {
                group.addTask {
                    let pool = TestDatabase.pool(name, size: 1)
                    let applied = try await migrator().run(on: pool)
                    await pool.shutdown()
                    return applied
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.flatMap { $0 }.sorted() == migrations.map(\.version))
    }

    @Test func badDirectoriesAndNames() throws {
        #expect(throws: MigrationError.directoryMissing("/nonexistent")) { try Migrator.load(directory: "/nonexistent") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mig-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "SELECT 1;".write(toFile: dir + "/first.sql", atomically: true, encoding: .utf8)
        #expect(throws: MigrationError.badFileName("first.sql")) { try Migrator.load(directory: dir) }
        try FileManager.default.removeItem(atPath: dir + "/first.sql")
        try "SELECT 1;".write(toFile: dir + "/0001_a.sql", atomically: true, encoding: .utf8)
        try "SELECT 1;".write(toFile: dir + "/0001_b.sql", atomically: true, encoding: .utf8)
        #expect(throws: MigrationError.duplicateVersion(1)) { try Migrator.load(directory: dir) }
        #expect(MigrationError.duplicateVersion(1).description.contains("version 1"))
    }
}

enum Fixtures {
    /// Made by Python's argon2-cffi with the reference's parameters; password `Reference#Pass1`.
    static let argon2Reference =
        "$argon2id$v=19$m=65536,t=3,p=2$POfJp670XEqXqVvd7EArrA$nB9qDIZHguvkkW/slxoUQG1T2nz3q4uA2NU4QWBc7wY"
    /// argon2-cffi, other parameters (m=19456, t=2, p=1).
    static let argon2Other =
        "$argon2id$v=19$m=19456,t=2,p=1$u4FwEzMd7myf0KywVGjw7g$OONUHaW2nUk4toXuhbqAEyu7CXeZB3XvWdl0cysJvBE"
    /// Python's bcrypt (cost 4) and the same hash under its other prefixes.
    static let bcrypt2b = "$2b$04$.7LwlqeyE1pXjci65s707.nBf58QyLVR8vGB5UtztyePb5D0sA.TO"
    static let bcrypt2a = "$2a$04$.7LwlqeyE1pXjci65s707.nBf58QyLVR8vGB5UtztyePb5D0sA.TO"
    static let bcrypt2y = "$2y$04$.7LwlqeyE1pXjci65s707.nBf58QyLVR8vGB5UtztyePb5D0sA.TO"
    static let password = "Reference#Pass1"
}
