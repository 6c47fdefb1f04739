import Foundation

/// Runs commands with posix_spawn + waitpid (Foundation's `Process` can miss a child's
/// exit when the test process is busy). The wait happens on a thread of its own, never
/// on Swift's cooperative pool: blocking one of its two threads here stalls every test.
enum Subprocess {
    /// Runs `argv` to completion (output discarded when `quiet`); returns the exit status.
    @discardableResult
    static func run(_ argv: [String], quiet: Bool = true) async throws -> Int32 {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try runBlocking(argv, quiet: quiet) })
            }.start()
        }
    }

    private static func runBlocking(_ argv: [String], quiet: Bool) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if quiet {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, argv[0], &actions, nil, cArgs, environ) == 0 else {
            throw TestFailure("could not start \(argv[0])")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return status
    }
}
