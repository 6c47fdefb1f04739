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

    static func start() throws -> PrivateCluster {
        let directory = "/tmp/gw-pg-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try run(["/bin/chmod", "777", directory], asPostgres: false)
        try run(["\(binDirectory)/initdb", "-D", directory + "/data", "-U", "postgres", "-A", "trust"], asPostgres: true)
        let cluster = PrivateCluster(directory: directory, port: Int.random(in: 20000...60000))
        try cluster.pgCtl(["start", "-o", "-c listen_addresses=127.0.0.1 -p \(cluster.port) -k \(directory)"])
        return cluster
    }

    var url: String { "postgresql://postgres@127.0.0.1:\(port)/postgres" }

    func restart() throws { try pgCtl(["restart", "-m", "fast"]) }

    func stop() throws { try pgCtl(["stop", "-m", "fast"]) }

    func destroy() {
        try? stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func pgCtl(_ arguments: [String]) throws {
        try Self.run(["\(Self.binDirectory)/pg_ctl", "-D", directory + "/data", "-l", directory + "/log", "-w"] + arguments, asPostgres: true)
    }

    /// Runs a command to completion with posix_spawn + waitpid (Foundation's `Process`
    /// can miss a child's exit when the test process is busy), output discarded.
    private static func run(_ command: [String], asPostgres: Bool) throws {
        let argv = asPostgres && getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + command : command
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, argv[0], &actions, nil, cArgs, environ) == 0 else {
            throw TestFailure("could not start \(argv[0])")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard status == 0 else { throw TestFailure("\(command.joined(separator: " ")) failed (\(status))") }
    }
}
