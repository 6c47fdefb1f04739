import Foundation
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps

/// What the operators' defaults keep: the private PostgreSQL of `scripts/run` keeps what it
/// acknowledges, and health checks cannot take the request pool.
@Suite struct DurabilityTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `scripts/run` starts its cluster through `start_cluster` with no second argument:
    /// that cluster runs with `fsync` on (only the suite's and the benchmark's throwaway
    /// clusters turn it off).
    @Test func theMainCommandsDatabaseKeepsWhatItAcknowledges() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("durable-\(UUID().uuidString)").path
        let script = """
            set -e
            cd "\(Self.root.path)"
            . scripts/lib/common.sh
            trap 'stop_cluster "\(directory)"; rm -rf "\(directory)"' EXIT
            port="$(start_cluster "\(directory)")"
            test "$("$(pg_bin)/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc 'SHOW fsync')" = on
            grep -q 'start_cluster "$PWD/.data/postgres")' scripts/run
            """
        #expect(try await Subprocess.run(["/bin/bash", "-c", script], quiet: false) == 0)
    }

    /// `/health` and `/ready` answer from a probe run at most once per period: fifty
    /// checks after the first take no pool connection.
    @Test func healthChecksReuseOneProbe() async throws {
        let name = try await TestDatabase.createEmpty()
        let pool = TestDatabase.pool(name, size: 1, timeout: .seconds(30))
        let probe = DatabaseProbe(pool: pool, timeout: .seconds(30), period: .seconds(3600))
        #expect(await probe.answers())
        let before = pool.acquisitions
        let answers = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<50 { group.addTask { await probe.answers() } }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(answers == Array(repeating: true, count: 50))
        #expect(pool.acquisitions == before)
        await pool.shutdown()
    }
}
