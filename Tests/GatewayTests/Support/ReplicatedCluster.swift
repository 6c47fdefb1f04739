import Foundation

/// A primary and a streaming standby made with PostgreSQL's own tools (`initdb`,
/// `pg_basebackup`), with synchronous replication: a commit returns once the standby has
/// it, so promoting the standby loses nothing acknowledged.
struct ReplicatedCluster {
    let primary: PrivateCluster
    let standby: PrivateCluster

    /// The multi-host URL the gateway is given: the writable one of the two.
    var url: String {
        "postgresql://postgres@127.0.0.1:\(primary.port),127.0.0.1:\(standby.port)/postgres?target_session_attrs=read-write"
    }

    static func with(_ body: (ReplicatedCluster) async throws -> Void) async throws {
        let primary = try await PrivateCluster.start(settings: ["-c wal_level=replica", "-c max_wal_senders=4"])
        let standby = PrivateCluster(directory: "/tmp/gw-pg-\(UUID().uuidString.prefix(8))", port: try SilentListener.freePort())
        do {
            try FileManager.default.createDirectory(atPath: standby.directory, withIntermediateDirectories: true)
            try await PrivateCluster.run(["/bin/chmod", "777", standby.directory], asPostgres: false)
            try await PrivateCluster.run(
                [
                    "\(PrivateCluster.binDirectory)/pg_basebackup", "-h", "127.0.0.1", "-p", "\(primary.port)", "-U", "postgres",
                    "-D", standby.directory + "/data", "-R", "-X", "stream",
                ], asPostgres: true)
            try await standby.pgCtl(
                ["start", "-o", "-c listen_addresses=127.0.0.1 -p \(standby.port) -k \(standby.directory)"])
            let cluster = ReplicatedCluster(primary: primary, standby: standby)
            // Synchronous from now on (the standby is streaming, so commits do not hang).
            try await cluster.sql(primary, "ALTER SYSTEM SET synchronous_standby_names = '*'")
            try await cluster.sql(primary, "SELECT pg_reload_conf()")
            try await cluster.waitForSync()
            try await body(cluster)
        } catch {
            await primary.destroy()
            await standby.destroy()
            throw error
        }
        await primary.destroy()
        await standby.destroy()
    }

    /// Kills the primary as a crash would (no shutdown checkpoint, clients cut off).
    func crashPrimary() async throws { try await primary.pgCtl(["stop", "-m", "immediate"]) }

    /// Promotes the standby to primary and waits until it accepts writes.
    func promoteStandby() async throws { try await standby.pgCtl(["promote"]) }

    /// Runs one statement with psql.
    func sql(_ cluster: PrivateCluster, _ statement: String) async throws {
        try await PrivateCluster.run(
            [
                "\(PrivateCluster.binDirectory)/psql", "-h", "127.0.0.1", "-p", "\(cluster.port)", "-U", "postgres", "-X", "-q",
                "-v", "ON_ERROR_STOP=1", "-c", statement,
            ], asPostgres: true)
    }

    /// Waits until the primary reports its standby as synchronous.
    private func waitForSync() async throws {
        for _ in 0..<100 {
            let check =
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_stat_replication WHERE sync_state = 'sync') THEN RAISE EXCEPTION 'not yet'; END IF; END $$"
            if (try? await sql(primary, check)) != nil { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("the standby never became synchronous")
    }
}
