import Foundation

/// Debian's PgBouncer (`TEST_PGBOUNCER`, installed by `scripts/test`) in front of the test
/// cluster, on a port and in a directory of its own: transaction pooling, `trust` auth.
struct PgBouncer {
    let directory: String
    let port: Int

    static var executable: String { ProcessInfo.processInfo.environment["TEST_PGBOUNCER"] ?? "/usr/sbin/pgbouncer" }

    /// The URL of database `name` through this PgBouncer.
    func url(_ name: String) -> String { "postgresql://postgres@127.0.0.1:\(port)/\(name)" }

    /// Runs `body` with a PgBouncer in front of the test cluster, stopped afterwards.
    static func with(poolSize: Int, _ body: (PgBouncer) async throws -> Void) async throws {
        let bouncer = try await start(poolSize: poolSize)
        do {
            try await body(bouncer)
        } catch {
            bouncer.stop()
            throw error
        }
        bouncer.stop()
    }

    static func start(poolSize: Int) async throws -> PgBouncer {
        let target = URLComponents(string: TestDatabase.adminURL)
        let directory = "/tmp/gw-pgb-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try await PrivateCluster.run(["/bin/chmod", "777", directory], asPostgres: false)
        let bouncer = PgBouncer(directory: directory, port: try SilentListener.freePort())
        try #""postgres" """#.write(toFile: directory + "/users.txt", atomically: true, encoding: .utf8)
        try """
        [databases]
        * = host=127.0.0.1 port=\(target?.port ?? 5432)
        [pgbouncer]
        listen_addr = 127.0.0.1
        listen_port = \(bouncer.port)
        unix_socket_dir =
        auth_type = trust
        auth_file = \(directory)/users.txt
        pool_mode = transaction
        default_pool_size = \(poolSize)
        max_client_conn = 1000
        max_db_connections = \(poolSize)
        logfile = \(directory)/pgbouncer.log
        pidfile = \(directory)/pgbouncer.pid
        """.write(toFile: directory + "/pgbouncer.ini", atomically: true, encoding: .utf8)
        // PgBouncer refuses to run as root: as the postgres user, in the background (-d).
        try await PrivateCluster.run([executable, "-d", "-q", directory + "/pgbouncer.ini"], asPostgres: true)
        for _ in 0..<250 {
            if bouncer.accepts() { return bouncer }
            try await Task.sleep(for: .milliseconds(20))
        }
        bouncer.stop()
        throw TestFailure("pgbouncer did not listen on \(bouncer.port)")
    }

    /// Whether something accepts TCP connections on the port.
    private func accepts() -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        } == 0
    }

    /// Stops PgBouncer and removes its directory. SIGKILL: it holds nothing to keep, and it
    /// inherits the test process's blocked signals (SIGTERM would wait forever).
    func stop() {
        if let text = try? String(contentsOfFile: directory + "/pgbouncer.pid", encoding: .utf8),
            let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
        {
            kill(pid, SIGKILL)
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
