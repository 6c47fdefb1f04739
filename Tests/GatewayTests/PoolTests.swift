import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import Postgres

@Suite struct PoolTests {
    /// Interpolated values become numbered parameters, in order, through nested fragments;
    /// `raw:` text is spliced as is.
    @Test func sqlInterpolationNumbersParametersThroughFragments() async throws {
        let inner: SQL = "\(2)::int * \(3)::int"
        let statement: SQL =
            "SELECT \(1)::int + (\(inner)) + \(SQL.list(["\(4)::int", "\(raw: "5")"])) AS s, \("'; x")::text AS t"
        let (text, parameters) = statement.rendered
        #expect(text == "SELECT $1::int + ($2::int * $3::int) + $4::int, 5 AS s, $5::text AS t")
        #expect(parameters == ["1", "2", "3", "4", "'; x"])
    }

    @Test func typedRowsAndParameters() async throws {
        try await TestDatabase.withPool(try await TestDatabase.createEmpty()) { pool in
            let id = UUID()
            let when = Date(timeIntervalSince1970: 1_764_000_000.123456)
            let result = try await pool.query(
                "SELECT \(42)::int AS i, \("it's \"quoted\" ; DROP TABLE x")::text AS s, \(true)::bool AS b, \(2.5)::float8 AS d, \(id)::uuid AS u, \(when)::timestamptz AS t, NULL::text AS n, \(Int64.max)::bigint AS big"
            )
            let row = try #require(result.first)
            #expect(try row.decode("i", as: Int.self) == 42)
            #expect(try row.decode("s", as: String.self) == "it's \"quoted\" ; DROP TABLE x")
            #expect(try row.decode("b", as: Bool.self))
            #expect(try row.decode("d", as: Double.self) == 2.5)
            #expect(try row.decode("u", as: UUID.self) == id)
            let decoded: Date = try row.decode("t")
            #expect(abs(decoded.timeIntervalSince1970 - when.timeIntervalSince1970) < 0.000_01)
            #expect(try row.decodeIfPresent("n", as: String.self) == nil)
            #expect(try row.decode("big", as: Int64.self) == Int64.max)
            #expect(throws: DatabaseError.self) { try row.decode("n", as: String.self) }
            #expect(throws: DatabaseError.self) { try row.decode("s", as: Int.self) }
            #expect(throws: DatabaseError.self) { try row.decode("missing", as: Int.self) }
        }
    }

    @Test(arguments: [
        "2026-11-25 07:34:21+00", "2026-11-25 09:34:21+02", "2026-11-25 02:04:21-05:30", "2026-11-25 07:34:21.5+00",
    ])
    func timestampsParseWithOffsets(text: String) throws {
        let date = try #require(Date(postgresText: text))
        #expect(abs(date.timeIntervalSince1970 - 1_795_592_061) < 1)
        #expect(Date(postgresText: "not a date") == nil)
    }

    @Test func sqlstatesMapToErrors() async throws {
        try await TestDatabase.withPool(try await TestDatabase.createEmpty()) { pool in
            _ = try await pool.query("CREATE TABLE u (v text UNIQUE)")
            _ = try await pool.query("INSERT INTO u VALUES (\("a"))")
            await #expect(throws: DatabaseError.self) {
                do {
                    _ = try await pool.query("INSERT INTO u VALUES (\("a"))")
                } catch DatabaseError.uniqueViolation(let constraint) {
                    #expect(constraint == "u_v_key")
                    throw DatabaseError.uniqueViolation(constraint: constraint)
                }
            }
            do {
                _ = try await pool.query("SELECT * FROM nowhere")
                Issue.record("expected an error")
            } catch let error as DatabaseError {
                #expect(error.sqlstateClass == "42")
                #expect(error.isUnavailable == false)
            }
            #expect(DatabaseError.from(sqlstate: "40001", message: "", constraint: nil).sqlstateClass == "40")
            #expect(DatabaseError.from(sqlstate: "08006", message: "", constraint: nil).isUnavailable)
            #expect(DatabaseError.from(sqlstate: "57P01", message: "", constraint: nil).isUnavailable)
        }
    }

    @Test func transactionsCommitOrRollBack() async throws {
        try await TestDatabase.withPool(try await TestDatabase.createEmpty()) { pool in
            _ = try await pool.query("CREATE TABLE t (v int)")
            try await pool.withTransaction { tx in _ = try await tx.query("INSERT INTO t VALUES (1)") }
            await #expect(throws: TestFailure.self) {
                try await pool.withTransaction { tx in
                    _ = try await tx.query("INSERT INTO t VALUES (2)")
                    throw TestFailure("abort")
                }
            }
            await #expect(throws: DatabaseError.self) {
                try await pool.withTransaction { tx in
                    _ = try await tx.query("INSERT INTO t VALUES (3)")
                    _ = try await tx.query("INSERT INTO t VALUES ('x')")
                }
            }
            let rows = try await pool.query("SELECT v FROM t")
            #expect(try rows.rows.map { try $0.decode("v", as: Int.self) } == [1])
            // The connection is clean after the rollbacks.
            #expect(try await pool.query("SELECT 1 AS one").first?.decode("one", as: Int.self) == 1)
        }
    }

    @Test func exhaustedPoolTimesOutInsteadOfHanging() async throws {
        try await TestDatabase.withPool(try await TestDatabase.createEmpty(), size: 1, timeout: .milliseconds(200)) { pool in
            // The holder keeps the only connection (an open transaction) until it is let go.
            let (release, letGo) = AsyncStream<Void>.makeStream()
            let holder = Task { try await pool.withTransaction { _ in for await _ in release { break } } }
            #expect(try await AuthCacheTests.eventually { pool.usage.inUse == 1 })
            let start = ContinuousClock.now
            await #expect(throws: DatabaseError.self) { try await pool.query("SELECT 1") }
            #expect(ContinuousClock.now - start < .seconds(1))
            letGo.yield()
            _ = try await holder.value
            // The connection is back once the pool has it (its 200 ms acquire limit is for the
            // exhausted case above, not for a loaded machine's hand-back).
            #expect(try await AuthCacheTests.eventually { pool.usage.inUse == 0 })
            #expect(try await pool.query("SELECT 1 AS one").count == 1)
        }
    }

    /// With the only connection busy, callers queue; they get it in the order they asked.
    @Test func waitersAreServedInTurn() async throws {
        try await TestDatabase.withPool(try await TestDatabase.createEmpty(), size: 1, timeout: .seconds(10)) { pool in
            // The order is recorded by the queries themselves, as the one connection runs
            // them (a sequence), not by the callers afterwards, which may resume in any order.
            _ = try await pool.query("CREATE SEQUENCE served_order")
            let served = NIOLockedValueBox<[(turn: Int, caller: Int)]>([])
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { _ = try await pool.query("SELECT pg_sleep(1)") }
                let deadline = ContinuousClock.now + .seconds(5)
                for i in 0..<8 {
                    // Each caller joins the queue only once the previous ones are waiting in it.
                    while pool.usage.inUse < 1 || pool.usage.waiting < i, ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(2))
                    }
                    group.addTask {
                        let row = try await pool.query("SELECT nextval('served_order')::int AS turn").first!
                        let turn = try row.decode("turn", as: Int.self)
                        served.withLockedValue { $0.append((turn, i)) }
                    }
                }
                try await group.waitForAll()
            }
            #expect(served.withLockedValue { $0 }.sorted { $0.turn < $1.turn }.map(\.caller) == Array(0..<8))
        }
    }

    @Test func unreachableServerIsUnavailable() async throws {
        let pool = PostgresPool(
            conninfo: "postgresql://postgres@127.0.0.1:1/postgres", size: 1, acquireTimeout: .seconds(1),
            logger: TestDatabase.quietLogger)
        do {
            _ = try await pool.query("SELECT 1")
            Issue.record("expected an error")
        } catch let error as DatabaseError {
            #expect(error.isUnavailable)
            #expect(error.description.contains("unavailable"))
        }
        await pool.shutdown()
        await #expect(throws: DatabaseError.self) { try await pool.query("SELECT 1") }
    }

    @Test func recoversAfterServerRestart() async throws {
        try await PrivateCluster.with(restartScenario)
    }

    private func restartScenario(_ cluster: PrivateCluster) async throws {
        let pool = PostgresPool(conninfo: cluster.url, size: 2, acquireTimeout: .seconds(5), logger: TestDatabase.quietLogger)
        _ = try await pool.query("SELECT 1")
        try await cluster.restart()
        // The dead connection is noticed before use and replaced: no error at all.
        #expect(try await pool.query("SELECT 2 AS two").first?.decode("two", as: Int.self) == 2)
        try await cluster.stop()
        do {
            _ = try await pool.query("SELECT 1")
            Issue.record("expected an error while the server is down")
        } catch let error as DatabaseError {
            #expect(error.isUnavailable)
        }
        try await cluster.restart()
        #expect(try await pool.query("SELECT 3 AS three").first?.decode("three", as: Int.self) == 3)
        await pool.shutdown()
    }

    @Test func timeoutsAreAddedUnlessSet() async throws {
        let url = DatabaseURL.withTimeouts("postgresql://u@h/db?connect_timeout=9&sslmode=disable", connectTimeout: .seconds(1))
        #expect(url.hasPrefix("postgresql://u@h/db?connect_timeout=9&sslmode=disable&keepalives=1&"))
        #expect(url.components(separatedBy: "connect_timeout").count == 2)
        #expect(
            DatabaseURL.withTimeouts("postgres://h/db", connectTimeout: .seconds(7)).hasPrefix(
                "postgres://h/db?connect_timeout=7&"))
        let keywords = DatabaseURL.withTimeouts("host=h\tdbname='my db' keepalives=0", connectTimeout: .seconds(5))
        #expect(keywords.contains("keepalives='1'") == false)
        #expect(keywords.contains("connect_timeout='5'"))
        #expect(DatabaseURL.keywordKeys("host=h\tpassword='a b\\' c' port=1") == ["host", "password", "port"])
        // Each pool connection sets its statement timeout after connecting.
        let pool = PostgresPool(
            conninfo: TestDatabase.url(try await TestDatabase.createEmpty()), size: 1, acquireTimeout: .seconds(5),
            statementTimeout: .milliseconds(1500), logger: TestDatabase.quietLogger)
        #expect(try await pool.query("SHOW statement_timeout").first?.decode("statement_timeout", as: String.self) == "1500ms")
        await #expect(throws: DatabaseError.self) { try await pool.query("SELECT pg_sleep(3)") }
        await pool.shutdown()
    }

    /// Transaction pooling: each statement carries its timeout for its own transaction and
    /// nothing is left on the session (no named statements, the session's timeout untouched).
    @Test func transactionModeLeavesNothingOnTheSession() async throws {
        let url = TestDatabase.url(try await TestDatabase.createEmpty())
        let connection = PQConnection(
            conninfo: url, logger: TestDatabase.quietLogger, statementTimeout: 1500, mode: .transaction)
        try connection.ensureConnected()
        #expect(
            try connection.execute("SHOW statement_timeout", []).first?.decode("statement_timeout", as: String.self) == "1500ms")
        for value in 0..<3 {
            #expect(try connection.execute("SELECT $1::int AS v", [String(value)]).first?.decode("v", as: Int.self) == value)
        }
        #expect(throws: DatabaseError.self) { try connection.execute("SELECT 1 / $1::int", ["0"]) }
        #expect(throws: DatabaseError.self) { try connection.execute("SELECT pg_sleep(3)", []) }
        try connection.begin()
        #expect(
            try connection.execute("SHOW statement_timeout", []).first?.decode("statement_timeout", as: String.self) == "1500ms")
        _ = try connection.execute("COMMIT", [])
        // Outside those transactions the session is as the server made it.
        try connection.executeScript("BEGIN")
        #expect(try connection.execute("SHOW statement_timeout", []).first?.decode("statement_timeout", as: String.self) == "0")
        #expect(
            try connection.execute("SELECT count(*)::int AS n FROM pg_prepared_statements", []).first?.decode("n", as: Int.self)
                == 0)
        _ = try connection.execute("ROLLBACK", [])
        // The server ends the session mid-pipeline: reported as lost, the connection closed.
        do {
            _ = try connection.execute("SELECT pg_terminate_backend(pg_backend_pid())", [])
            Issue.record("a terminated session answered")
        } catch DatabaseError.connectionLost {
            #expect(connection.isOpen == false)
        }
        connection.close()
        // A setting the server refuses is the statement's error, and the connection goes on.
        let refused = PQConnection(conninfo: url, logger: TestDatabase.quietLogger, statementTimeout: -5, mode: .transaction)
        try refused.ensureConnected()
        #expect(throws: DatabaseError.self) { try refused.execute("SELECT 1", []) }
        #expect(refused.isIdle)
        refused.close()
        // Migrations take their lock per transaction: they run through the same kind of pool.
        let pool = PostgresPool(
            conninfo: url, size: 2, acquireTimeout: .seconds(5), statementTimeout: .seconds(1), mode: .transaction,
            logger: TestDatabase.quietLogger)
        let migrator = Migrator(
            migrations: try Migrator.load(directory: TestDatabase.migrationsDirectory), logger: TestDatabase.quietLogger)
        async let one = migrator.run(on: pool)
        async let two = migrator.run(on: pool)
        let applied = try await one + two
        #expect(applied.sorted() == migrator.migrations.map(\.version))
        await pool.shutdown()
    }

    @Test func noticesGoToTheLog() async throws {
        let capture = LogCapture()
        let pool = PostgresPool(
            conninfo: TestDatabase.url(try await TestDatabase.createEmpty()), size: 1, acquireTimeout: .seconds(5),
            logger: capture.logger)
        _ = try await pool.query("DO $$ BEGIN RAISE NOTICE 'hello from plpgsql'; END $$")
        #expect(capture.all.contains("hello from plpgsql"))
        await pool.shutdown()
    }
}
