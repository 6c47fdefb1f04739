import BotKit
import Foundation
import Logging
import ServiceLifecycle
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import Postgres

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
            func call(_ user: Int, _ bot: String, _ input: Int, _ output: Int, key: UUID? = nil, cost: Int = 0) -> UsageEntry {
                UsageEntry(
                    userID: user, bot: bot, keyID: key, tokens: TokenUsage(inputTokens: input, outputTokens: output),
                    costNanos: cost)
            }
            failing.note(call(user, "b", 1, 1))
            await failing.flush()
            await broken.shutdown()

            let batcher = UsageBatcher(usage: PostgresUsageRepository(pool: pool), interval: .seconds(3600), logs: logs)
            let group = ServiceGroup(services: [batcher], gracefulShutdownSignals: [], logger: TestDatabase.quietLogger)
            let running = Task { try await group.run() }
            for _ in 0..<3 { batcher.note(call(user, "b", 2, 5, cost: 7)) }
            batcher.note(call(user, "c", 1, 1))
            // Calls with an API key are summed apart.
            let key = UUID()
            batcher.note(call(user, "c", 4, 4, key: key, cost: 1))
            batcher.note(call(user, "c", 1, 0, key: key, cost: 1))
            // A user deleted since their call takes that usage along; the batch still lands.
            batcher.note(call(user + 1000, "gone", 9, 9))
            #expect(try await pool.query("SELECT 1 FROM usage_daily").count == 0)
            await group.triggerGracefulShutdown()
            try await running.value
            func summary(_ table: String) async throws -> [String] {
                try await pool.query(
                    "SELECT bot, requests, input_tokens, output_tokens, cost_nanos FROM \(raw: table) ORDER BY bot"
                ).rows.map {
                    "\(try $0.decode("bot", as: String.self)):\(try $0.decode("requests", as: Int.self)):"
                        + "\(try $0.decode("input_tokens", as: Int.self)):\(try $0.decode("output_tokens", as: Int.self)):"
                        + "\(try $0.decode("cost_nanos", as: Int.self))"
                }
            }
            // Every call per user and bot; the key's calls also per key.
            #expect(try await summary("usage_daily") == ["b:3:6:15:21", "c:3:6:5:2"])
            #expect(try await summary("usage_by_key") == ["c:2:5:4:2"])
            #expect(batcher.hasPending == false)
            #expect(failing.hasPending)
        }
    }
}
