import Foundation

/// The real `gateway serve` executable (built beside the test bundle) on a free port, for
/// tests that need separate processes.
final class GatewayProcess: @unchecked Sendable {
    let pid: pid_t
    let port: Int

    static var executable: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gateway").path
    }

    /// Starts `gateway serve` with the test environment for `database` plus `overrides`,
    /// and waits until `/live` answers.
    static func start(database: String, _ overrides: [String: String] = [:]) async throws -> GatewayProcess {
        let port = try SilentListener.freePort()
        var environment = TestApp.environment(
            database: database, ["PORT": String(port), "AUTO_MIGRATE": "false", "LOG_LEVEL": "error"])
        environment.merge(overrides) { $1 }
        environment["PATH"] = ProcessInfo.processInfo.environment["PATH"]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        Subprocess.closeInherited(&actions)
        let argv = [executable, "serve"]
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (cArgs + cEnv).forEach { free($0) } }
        // The test process ignores SIGTERM and SIGINT (its signal handling) and children
        // inherit that: give the gateway the defaults and an empty mask.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGINT)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        guard posix_spawn(&pid, executable, &actions, &attributes, cArgs, cEnv) == 0 else {
            throw TestFailure("could not start \(executable)")
        }
        let process = GatewayProcess(pid: pid, port: port)
        for _ in 0..<300 {
            if (try? await RawHTTP.request(port: port, "GET", "/live").status) == 200 { return process }
            try await Task.sleep(for: .milliseconds(20))
        }
        await process.stop()
        throw TestFailure("gateway serve did not come up on port \(port)")
    }

    private init(pid: pid_t, port: Int) {
        self.pid = pid
        self.port = port
    }

    /// SIGTERM (a graceful shutdown), then reaps the process; its exit status.
    @discardableResult
    func stop() async -> Int32 {
        kill(pid, SIGTERM)
        return await Subprocess.reap(pid)
    }
}
