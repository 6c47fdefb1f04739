import BotKit
import Logging
import ServiceLifecycle
import Testing

@testable import Gateway

/// Usage noted off the request path reaches the database: summed per user and bot, kept
/// through a failed write, and written at graceful shutdown.
@Suite struct UsageBatcherTests {
    @Test func notedUsageIsSummedRetriedAndWrittenAtShutdown() async throws {
        let database = try await TestDatabase.createMigrated()
        try await TestDatabase.withPool(database) { pool in
            let user: Int = try await pool.query(
                "INSERT INTO users (name, email, hashed_password) VALUES ('U', 'u@example.com', 'x') RETURNING id"
            ).first!.decode("id")
            let logs = DampedLog(logger: TestDatabase.quietLogger)
            // A write that fails keeps what was noted for the next one.
            let broken = PostgresPool(
                conninfo: "postgresql://postgres@127.0.0.1:1/none", size: 1, acquireTimeout: .milliseconds(200),
                logger: TestDatabase.quietLogger)
            let failing = UsageBatcher(usage: PostgresUsageRepository(pool: broken), logs: logs)
            failing.note(userID: user, bot: "b", tokens: TokenUsage(inputTokens: 1, outputTokens: 1))
            await failing.flush()
            await broken.shutdown()

            let batcher = UsageBatcher(usage: PostgresUsageRepository(pool: pool), interval: .seconds(3600), logs: logs)
            let group = ServiceGroup(services: [batcher], gracefulShutdownSignals: [], logger: TestDatabase.quietLogger)
            let running = Task { try await group.run() }
            for _ in 0..<3 { batcher.note(userID: user, bot: "b", tokens: TokenUsage(inputTokens: 2, outputTokens: 5)) }
            batcher.note(userID: user, bot: "c", tokens: TokenUsage(inputTokens: 1, outputTokens: 1))
            // A user deleted since their call takes that usage along; the batch still lands.
            batcher.note(userID: user + 1000, bot: "gone", tokens: TokenUsage(inputTokens: 9, outputTokens: 9))
            #expect(try await pool.query("SELECT 1 FROM usage_daily").count == 0)
            await group.triggerGracefulShutdown()
            try await running.value
            let rows = try await pool.query("SELECT bot, requests, input_tokens, output_tokens FROM usage_daily ORDER BY bot")
            let summary = try rows.rows.map {
                "\(try $0.decode("bot", as: String.self)):\(try $0.decode("requests", as: Int.self)):"
                    + "\(try $0.decode("input_tokens", as: Int.self)):\(try $0.decode("output_tokens", as: Int.self))"
            }
            #expect(summary == ["b:3:6:15", "c:1:1:1"])
            #expect(batcher.hasPending == false)
            #expect(failing.hasPending)
        }
    }
}
