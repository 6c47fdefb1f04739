import Foundation
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayOps
@testable import GatewayPostgres
@testable import Postgres

/// Migration 0017 on a database the previous schema filled: every row kept as it was, the
/// tables partitioned by month, reads of a conversation pruned to its months, months made
/// ahead and dropped whole.
@Suite struct PartitionTests {
    static let all = try! Migrator.load(directory: TestDatabase.migrationsDirectory)

    @Test func convertsAFilledDatabaseInPlace() async throws {
        let pool = TestDatabase.pool(try await TestDatabase.createEmpty())
        let before = Migrator(migrations: Self.all.filter { $0.version < 17 }, logger: TestDatabase.quietLogger)
        try await before.run(on: pool)
        // Three users' conversations spread over the last 14 months, written as the previous
        // release wrote them (seq by identity), and their usage.
        _ = try await pool.withConnection { connection in
            try connection.executeScript(
                """
                INSERT INTO users (name, email, hashed_password) SELECT 'U' || n, 'u' || n || '@example.com', 'x'
                FROM generate_series(1, 3) n;
                INSERT INTO conversations (id, user_id, title, bot, created_at, updated_at)
                SELECT gen_random_uuid(), 1 + n % 3, 'c' || n, 'echo', now() - (n || ' days')::interval * 30,
                       now() - (n || ' days')::interval * 30 + interval '2 hours'
                FROM generate_series(0, 13) n;
                INSERT INTO messages (id, conversation_id, role, content, bot, created_at)
                SELECT gen_random_uuid(), c.id, CASE WHEN k % 2 = 0 THEN 'user' ELSE 'assistant' END, 'm' || k, 'echo',
                       c.created_at + (k || ' minutes')::interval
                FROM conversations c, generate_series(0, 9) k ORDER BY c.created_at, k;
                INSERT INTO usage_daily (user_id, bot, day, requests, input_tokens, output_tokens)
                SELECT 1 + n % 3, 'echo', (now() - (n || ' days')::interval)::date, n, n * 10, n * 20 FROM generate_series(0, 400) n;
                INSERT INTO usage_by_key (key_id, day, bot, user_id, requests)
                SELECT gen_random_uuid(), (now() - (n || ' days')::interval)::date, 'echo', 1, 1 FROM generate_series(0, 99) n;
                """)
        }
        let snapshot: SQL = """
            SELECT (SELECT string_agg(id::text || conversation_id::text || seq || role || content || created_at, ',' ORDER BY seq)
                    FROM messages) AS messages,
                   (SELECT string_agg(id::text || user_id || created_at, ',' ORDER BY id) FROM conversations) AS conversations,
                   (SELECT string_agg(user_id || day::text || requests || input_tokens, ',' ORDER BY user_id, day)
                    FROM usage_daily) AS usage,
                   (SELECT count(*) FROM usage_by_key) AS keyed, (SELECT max(seq) FROM messages) AS last
            """
        let old = try #require(try await pool.query(snapshot).first)
        let applied = try await Migrator(migrations: Self.all, logger: TestDatabase.quietLogger).run(on: pool)
        #expect(applied == [17])
        let new = try #require(try await pool.query(snapshot).first)
        for column in ["messages", "conversations", "usage", "keyed"] {
            #expect(try new.decode(column, as: String.self) == old.decode(column, as: String.self), "\(column) changed")
        }
        #expect(try old.decode("messages", as: String.self).count > 1000)
        let kinds = try await pool.query(
            "SELECT relname, relkind::text AS kind FROM pg_class WHERE relname IN ('messages', 'usage_daily', 'usage_by_key')")
        #expect(try kinds.rows.allSatisfy { try $0.decode("kind", as: String.self) == "p" })
        // The legacy rows are one partition below next month; months ahead have their own.
        let parts = try await pool.query(
            """
            SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'messages'::regclass ORDER BY 1
            """)
        let names = try parts.rows.map { try $0.decode("relname", as: String.self) }
        #expect(names.first == "messages_legacy")
        #expect(names.count == 4, "\(names)")

        // New turns continue the sequence and land in the current month's partition... or
        // the legacy one, which reaches to the end of this month.
        let repository = PostgresConversationRepository(pool: pool)
        let conversation = try #require(
            try await pool.query("SELECT id FROM conversations WHERE user_id = 1 ORDER BY created_at LIMIT 1").first?.decode(
                "id", as: UUID.self))
        let turn = ChatTurn(
            conversationID: conversation, isNew: false, userID: 1, bot: "echo", userMessageID: UUID(), userMessage: "new",
            assistantMessageID: UUID(), reply: "reply", status: .ok, finishReason: "stop", usage: nil, latencyMs: 1,
            accounted: nil)
        #expect(try await PostgresConversationRepository.store([turn], pool: pool).allSatisfy { $0 == nil })
        // Written again (a lost reply): nothing doubles.
        #expect(try await PostgresConversationRepository.store([turn], pool: pool).allSatisfy { $0 == nil })
        let last = try await pool.query(
            "SELECT max(seq) AS s, count(*)::int AS n FROM messages WHERE content IN ('new', 'reply')")
        #expect(try last.first?.decode("s", as: Int.self) == (try old.decode("last", as: Int.self)) + 2)
        #expect(try last.first?.decode("n", as: Int.self) == 2)
        let history = try #require(try await repository.history(conversationID: conversation, userID: 1, limit: 100))
        #expect(history.count == 12)
        #expect(history.last?.content == "reply")

        // A recent conversation's read touches only the partition of its months (here the
        // legacy one): the others are pruned when the statement starts.
        let recent = try #require(
            try await pool.query("SELECT id FROM conversations ORDER BY created_at DESC LIMIT 1").first?.decode(
                "id", as: UUID.self))
        let plan = try await Self.plan(pool, conversation: recent)
        #expect(Self.scanned(plan) == ["messages_legacy"], "\(plan)")

        // Months ahead on demand; retention drops whole months, the legacy one first.
        let capture = LogCapture()
        let keeper = HistoryPartitions(pool: pool, messagesRetention: .days(1), logger: capture.logger)
        let later = Date().addingTimeInterval(200 * 86400)
        let (created, dropped) = try await keeper.maintain(now: later)
        // The database's clock is 200 days from that "now": the operator is told.
        #expect(capture.all.contains("more than a minute from the database's"))
        #expect(created == 0)
        #expect(dropped.first == "messages_legacy")
        #expect(dropped.count == 4, "\(dropped)")
        #expect(try await pool.query("SELECT count(*)::int AS n FROM messages").first?.decode("n", as: Int.self) == 0)
        #expect(try await pool.query("SELECT count(*)::int AS n FROM usage_daily").first?.decode("n", as: Int.self) == 401)
        // The next round makes this month's partitions again, and chat goes on.
        #expect(try await keeper.maintain().created >= 3)
        #expect(try await PostgresConversationRepository.store([turn], pool: pool).allSatisfy { $0 == nil })
        await pool.shutdown()
    }

    /// A fresh database: this month and three ahead, a read of a conversation touches one.
    @Test func readsOfAConversationArePruned() async throws {
        try await TestDatabase.withPool(try await TestDatabase.createMigrated()) { pool in
            let months = try await pool.query(
                "SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'messages'::regclass")
            #expect(try months.first?.decode("n", as: Int.self) == 4)
            _ = try await pool.query("INSERT INTO users (name, email, hashed_password) VALUES ('A', 'a@example.com', 'x')")
            let conversation = UUID()
            let turn = ChatTurn(
                conversationID: conversation, isNew: true, userID: 1, bot: "echo", userMessageID: UUID(), userMessage: "hi",
                assistantMessageID: UUID(), reply: "hi", status: .ok, finishReason: "stop", usage: nil, latencyMs: 1,
                accounted: nil)
            #expect(try await PostgresConversationRepository.store([turn], pool: pool).allSatisfy { $0 == nil })
            let plan = try await Self.plan(pool, conversation: conversation)
            #expect(Self.scanned(plan).count == 1, "\(plan)")
            // Two replicas making months at once take turns: three made in all, no error.
            async let one = pool.query("SELECT gateway_create_partitions('messages', '6 months') AS n")
            async let two = pool.query("SELECT gateway_create_partitions('messages', '6 months') AS n")
            let made = try await [one, two].map { try $0.first?.decode("n", as: Int.self) ?? 0 }
            #expect(made.reduce(0, +) == 3, "\(made)")
            #expect(plan.components(separatedBy: "(never executed)").count - 1 == 3, "\(plan)")
        }
    }

    /// The partitions a plan read (pruned ones show "never executed").
    static func scanned(_ plan: String) -> [String] {
        plan.split(separator: "\n").filter { $0.contains(" on messages_") && $0.contains("never executed") == false }.compactMap {
            $0.components(separatedBy: " on ").last?.split(separator: " ").first.map(String.init)
        }
    }

    /// The plan of the conversation read (`GET /api/v1/conversations/{id}`), run.
    static func plan(_ pool: PostgresPool, conversation: UUID) async throws -> String {
        let result = try await pool.query(
            """
            EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
            SELECT id, content FROM messages m WHERE conversation_id = \(conversation)
                AND \(PostgresConversationRepository.withinConversation("m", conversation)) ORDER BY seq
            """)
        return try result.rows.map { try $0.decode("QUERY PLAN", as: String.self) }.joined(separator: "\n")
    }
}
