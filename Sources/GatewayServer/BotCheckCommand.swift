import ArgumentParser
import BotCheck
import Foundation

/// `gateway bot-check --url …`: the conformance kit against a live bot-protocol endpoint.
struct BotCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bot-check",
        abstract: "Check a bot-protocol endpoint (docs/bot-protocol.md) before pointing the gateway at it.",
        discussion: "Prints each check as ok or FAIL with why; exits 1 when any check fails.")

    @Option(help: "The endpoint, as BOT_<NAME>_URL would name it.")
    var url: String

    @Option(help: "The shared secret (or BOT_CHECK_SECRET), sent as Bot-Secret; a request without it must be refused.")
    var secret: String?

    @Option(help: "What the endpoint declares, as BOT_<NAME>_CAPABILITIES would (tools adds a tool-call check).")
    var capabilities: String = ""

    func run() async throws {
        let check: BotCheck
        do {
            check = try BotCheck(
                url: url, secret: secret ?? ProcessInfo.processInfo.environment["BOT_CHECK_SECRET"],
                capabilities: capabilities)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(64)
        }
        let results = await check.run()
        for result in results { print(result.line) }
        let failed = results.filter { $0.passed == false }.count
        print(failed == 0 ? "all \(results.count) checks passed" : "\(failed) of \(results.count) checks failed")
        if failed > 0 { throw ExitCode(1) }
    }
}
