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

    /// The child gets stdin, stdout and stderr only. NIO accepts connections without
    /// close-on-exec, so a child would otherwise hold every open server connection of the
    /// test process and keep it open after the server closes it (a slow-loris test then
    /// waits for a close that never comes while Schemathesis runs).
    static func closeInherited(_ actions: inout posix_spawn_file_actions_t) {
        _ = addCloseFrom(&actions, 3)
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift's Glibc
    /// module does not import.
    private static let addCloseFrom: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            fatalError("glibc 2.34 or later is needed (posix_spawn_file_actions_addclosefrom_np)")
        }
        return unsafeBitCast(
            symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    private static func runBlocking(_ argv: [String], quiet: Bool) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if quiet {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        closeInherited(&actions)
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, argv[0], &actions, nil, cArgs, environ) == 0 else {
            throw TestFailure("could not start \(argv[0])")
        }
        return waitBlocking(pid)
    }

    /// Waits for `pid` to exit, on a thread of its own; its status.
    @discardableResult
    static func reap(_ pid: pid_t) async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: waitBlocking(pid)) }.start()
        }
    }

    private static func waitBlocking(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return status
    }
}
