import Foundation

/// A PostgreSQL cluster of one test's own, for tests that stop or restart the server
/// (the shared test cluster must stay up for the other suites).
struct PrivateCluster {
    let directory: String
    let port: Int

    static var binDirectory: String {
        let pgCtl = ProcessInfo.processInfo.environment["TEST_PG_CTL"] ?? "/usr/lib/postgresql/15/bin/pg_ctl"
        return URL(fileURLWithPath: pgCtl).deletingLastPathComponent().path
    }

    static func start(settings: [String] = []) async throws -> PrivateCluster {
        let directory = "/tmp/gw-pg-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try await run(["/bin/chmod", "777", directory], asPostgres: false)
        try await run(["\(binDirectory)/initdb", "-D", directory + "/data", "-U", "postgres", "-A", "trust"], asPostgres: true)
        // A port the kernel just handed out (a random one may be in use); once more on a
        // new port if another process took it meanwhile.
        for attempt in 1...2 {
            let cluster = PrivateCluster(directory: directory, port: try SilentListener.freePort())
            do {
                try await cluster.pgCtl(
                    [
                        "start", "-o",
                        (["-c listen_addresses=127.0.0.1 -p \(cluster.port) -k \(directory)"] + settings).joined(separator: " "),
                    ])
                return cluster
            } catch  where attempt == 1 {
                continue
            }
        }
        throw TestFailure("unreachable")
    }

    /// Runs `body` with a cluster of its own, destroyed afterwards whatever happens.
    static func with(_ body: (PrivateCluster) async throws -> Void) async throws {
        let cluster = try await start()
        do {
            try await body(cluster)
        } catch {
            await cluster.destroy()
            throw error
        }
        await cluster.destroy()
    }

    var url: String { "postgresql://postgres@127.0.0.1:\(port)/postgres" }

    func restart() async throws { try await pgCtl(["restart", "-m", "fast"]) }

    func stop() async throws { try await pgCtl(["stop", "-m", "fast"]) }

    func destroy() async {
        try? await stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    func pgCtl(_ arguments: [String]) async throws {
        do {
            try await Self.run(
                ["\(Self.binDirectory)/pg_ctl", "-D", directory + "/data", "-l", directory + "/log", "-w"] + arguments,
                asPostgres: true)
        } catch {
            let log = (try? String(contentsOfFile: directory + "/log", encoding: .utf8)) ?? ""
            throw TestFailure("\(error); server log ends: \(log.suffix(600))")
        }
    }

    static func run(_ command: [String], asPostgres: Bool) async throws {
        let argv = asPostgres && getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + command : command
        let status = try await Subprocess.run(argv)
        guard status == 0 else { throw TestFailure("\(command.joined(separator: " ")) failed (\(status))") }
    }
}
