import Foundation

/// `examples/webhook-bot/server.py` running on a free loopback port for one test.
final class ExampleWebhookBot: @unchecked Sendable {
    let pid: pid_t
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("examples/webhook-bot/server.py").path

    /// Starts it with `arguments` (`--broken MODE`, `--ndjson`, `--secret S`, `--delay S`)
    /// and waits for its "listening on" line.
    static func start(_ arguments: [String] = []) async throws -> ExampleWebhookBot {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try startBlocking(arguments) }) }.start()
        }
    }

    private static func startBlocking(_ arguments: [String]) throws -> ExampleWebhookBot {
        var pipe: [Int32] = [0, 0]
        guard Foundation.pipe(&pipe) == 0 else { throw TestFailure("pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipe[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        Subprocess.closeInherited(&actions)
        let python = ProcessInfo.processInfo.environment["TEST_PYTHON"] ?? "python3"
        let argv = ["/usr/bin/env", python, script, "--port", "0"] + arguments
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, argv[0], &actions, nil, cArgs, environ) == 0 else {
            throw TestFailure("could not start the example webhook bot")
        }
        close(pipe[1])
        defer { close(pipe[0]) }
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(pipe[0], &byte, 1) == 1, byte != UInt8(ascii: "\n") { line.append(byte) }
        let text = String(decoding: line, as: UTF8.self)
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
            kill(pid, SIGKILL)
            throw TestFailure("the example webhook bot said \"\(text)\"")
        }
        return ExampleWebhookBot(pid: pid, port: port)
    }

    private init(pid: pid_t, port: Int) {
        self.pid = pid
        self.port = port
    }

    /// Stops it and reaps the process (SIGKILL: a child of the test process may inherit a
    /// mask or disposition that leaves SIGTERM unanswered).
    func stop() async {
        kill(pid, SIGKILL)
        await Subprocess.reap(pid)
    }

    /// Runs `body` with a started example, stopping it afterwards.
    static func with<T>(_ arguments: [String] = [], _ body: (ExampleWebhookBot) async throws -> T) async throws -> T {
        let bot = try await start(arguments)
        do {
            let result = try await body(bot)
            await bot.stop()
            return result
        } catch {
            await bot.stop()
            throw error
        }
    }
}
