import BotKit
import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import GatewayPostgres
@testable import Postgres

/// Group commit of chat turns, array parameters and prepared statements.
@Suite struct StorageBatchingTests {
    static func turn(
        user: Int, conversation: UUID = .random(), isNew: Bool = true, message: String = "hello",
        accounted: TokenUsage? = TokenUsage(inputTokens: 2, outputTokens: 3)
    ) -> ChatTurn {
        ChatTurn(
            conversationID: conversation, isNew: isNew, userID: user, bot: "echo", userMessageID: .random(),
            userMessage: message, assistantMessageID: .random(), reply: "re: \(message)", status: .ok, finishReason: "stop",
            usage: accounted, latencyMs: 1, accounted: accounted)
    }

    static func user(_ pool: PostgresPool, _ email: String) async throws -> Int {
        try #require(
            try await pool.query(
                "INSERT INTO users (name, email, hashed_password) VALUES ('T', \(email), 'x') RETURNING id"
            ).first
        ).decode("id")
    }

    @Test func arrayParametersRoundTripEveryCharacter() async throws {
        try await TestDatabase.withPool(try await TestDatabase.createEmpty()) { pool in
            let values: [String?] = [
                "plain", "with \"quotes\"", "back\\slash\\", "comma, {braces}", "NULL", "", "ünïcødé 🚀", nil, " spaced ",
            ]
            let result = try await pool.query(
                "SELECT x FROM unnest(\(PostgresArray(values))::text[]) WITH ORDINALITY AS u(x, n) ORDER BY n")
            #expect(try result.rows.map { try $0.decodeIfPresent("x", as: String.self) } == values)
            let numbers = try await pool.query("SELECT sum(x) AS s FROM unnest(\(PostgresArray([1, 2, 39]))::int[]) AS u(x)")
            #expect(try numbers.first?.decode("s", as: Int.self) == 42)
        }
    }

    @Test func concurrentTurnsAreStoredCompletelyAndInOrder() async throws {
        try await TestDatabase.withPool(try await TestDatabase.createMigrated()) { pool in
            let alice = try await Self.user(pool, "alice@example.com")
            let bob = try await Self.user(pool, "bob@example.com")
            let repository = PostgresConversationRepository(pool: pool)
            let shared = UUID.random()
            try await repository.store(Self.turn(user: alice, conversation: shared, message: "first"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<60 {
                    group.addTask {
                        if index % 6 == 0 {
                            try await repository.store(
                                Self.turn(user: alice, conversation: shared, isNew: false, message: "more \(index)"))
                        } else {
                            try await repository.store(Self.turn(user: index % 2 == 0 ? alice : bob, message: "m\(index)"))
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(repository.writer.batchesWritten > 0)
            let counts = try #require(
                try await pool.query("SELECT count(*) AS m, count(DISTINCT conversation_id) AS c FROM messages").first)
            #expect(try counts.decode("m", as: Int.self) == 122)
            #expect(try counts.decode("c", as: Int.self) == 51)
            // Inside the shared conversation: user, assistant, user, assistant, …
            let roles = try await pool.query("SELECT role FROM messages WHERE conversation_id = \(shared) ORDER BY seq")
            let expected = Array(repeating: ["user", "assistant"], count: 11).flatMap { $0 }
            #expect(try roles.rows.map { try $0.decode("role", as: String.self) } == expected)
            let usage = try await pool.query(
                "SELECT user_id, requests, input_tokens, output_tokens FROM usage_daily ORDER BY user_id")
            #expect(try usage.rows.map { try $0.decode("requests", as: Int.self) } == [31, 30])
            #expect(try usage.rows.map { try $0.decode("output_tokens", as: Int.self) } == [93, 90])
        }
    }

    @Test func aFailingTurnFailsAloneInItsBatch() async throws {
        try await TestDatabase.withPool(try await TestDatabase.createMigrated()) { pool in
            let alice = try await Self.user(pool, "alice@example.com")
            let repository = PostgresConversationRepository(pool: pool)
            let failures = NIOLockedValueBox<[Int]>([])
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<30 {
                    group.addTask {
                        // Index 7 belongs to a user that does not exist: a foreign key violation.
                        do {
                            try await repository.store(Self.turn(user: index == 7 ? 999_999 : alice, message: "m\(index)"))
                        } catch {
                            failures.withLockedValue { $0.append(index) }
                        }
                    }
                }
            }
            #expect(failures.withLockedValue { $0 } == [7])
            let stored = try #require(try await pool.query("SELECT count(*) AS n FROM messages").first)
            #expect(try stored.decode("n", as: Int.self) == 58)
        }
    }

    @Test func writesArrivingDuringAFlushGoTogether() async throws {
        let calls = NIOLockedValueBox<[[Int]]>([])
        let gate = AsyncStream<Void>.makeStream()
        let writer = GroupCommit<Int>(maxBatch: 4) { items in
            calls.withLockedValue { $0.append(items) }
            if items == [0] { for await _ in gate.stream { break } }
            return items.map { _ in nil }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await writer.submit(0) }
            // Until the first flush is in flight (held by the gate).
            #expect(try await AuthCacheTests.eventually { calls.withLockedValue { $0.count } == 1 })
            // Each starts in place and `submit` queues its item before it first suspends:
            // once these return, all six wait behind the held flush.
            for item in 1...6 { group.addImmediateTask { try await writer.submit(item) } }
            gate.continuation.yield()
            try await group.waitForAll()
        }
        let seen = calls.withLockedValue { $0 }
        #expect(seen.first == [0])
        #expect(seen.dropFirst().map(\.count) == [4, 2])
        #expect(Set(seen.flatMap { $0 }) == Set(0...6))
        #expect(writer.batchesWritten == 2)
    }

    @Test func preparedStatementsSurviveASchemaChange() async throws {
        try await TestDatabase.withPool(try await TestDatabase.createEmpty(), size: 1) { pool in
            _ = try await pool.query("CREATE TABLE t (id int)")
            _ = try await pool.query("INSERT INTO t VALUES (1)")
            let before = try await pool.query("SELECT * FROM t WHERE id = \(1)")
            #expect(before.columns == ["id"])
            _ = try await pool.query("ALTER TABLE t ADD COLUMN extra text DEFAULT 'x'")
            let after = try await pool.query("SELECT * FROM t WHERE id = \(1)")
            #expect(after.columns == ["id", "extra"])
            #expect(try after.first?.decode("extra", as: String.self) == "x")
        }
    }
}
