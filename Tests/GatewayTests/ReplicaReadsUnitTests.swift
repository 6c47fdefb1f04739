import Testing

@testable import Postgres

/// The standby is used only after a sample found it caught up, and the record of recent
/// writers stays bounded.
@Suite struct ReplicaReadsUnitTests {
    @Test func noSampleNoStandbyAndTheWritersAreBounded() async throws {
        let nowhere = "postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"
        let reads = ReplicaReads(
            primary: PostgresPool(
                conninfo: nowhere, size: 1, acquireTimeout: .milliseconds(50), logger: TestDatabase.quietLogger),
            standby: PostgresPool(
                conninfo: nowhere, size: 1, acquireTimeout: .milliseconds(50), logger: TestDatabase.quietLogger),
            maxLag: .seconds(1), logger: TestDatabase.quietLogger)
        #expect(reads.pool(for: nil) === reads.primary)
        // A failing sample changes nothing.
        await reads.sample()
        #expect(reads.pool(for: 7) === reads.primary)
        for user in 0...ReplicaReads.maxTracked { reads.wrote(user) }
        #expect(reads.trackedWriters <= ReplicaReads.maxTracked)
        #expect(reads.pool(for: nil) === reads.primary)
        await reads.primary.shutdown()
        await reads.standby.shutdown()
    }
}
