import BotKit
import BotTransport
import Foundation
import Logging
import WebhookBot

/// The conformance kit as a command (`gateway bot-check`): checks a live bot-protocol
/// endpoint before the gateway is pointed at it, each check `ok` or `FAIL` with why.
/// Protocol-level checks read the raw event stream (so a broken rule is named exactly);
/// BotKit's own conformance checks then run through the `webhook` bot kind.
public struct BotCheck: Sendable {
    /// One check's outcome; `problem` is nil when it passed.
    public struct Result: Sendable, Equatable {
        public let name: String
        public let problem: String?
        public var passed: Bool { problem == nil }

        /// `ok    name` or `FAIL  name: why` (control characters a bot sent shown escaped).
        public var line: String {
            problem.map { "FAIL  \(name): \(Self.printable($0))" } ?? "ok    \(name)"
        }

        static func printable(_ text: String) -> String {
            String(
                text.unicodeScalars.flatMap { scalar -> [Character] in
                    scalar.properties.generalCategory == .control ? Array(scalar.escaped(asASCII: true)) : [Character(scalar)]
                })
        }
    }

    public let url: String
    public let secret: String?
    /// What the endpoint declares (`CAPABILITIES`); `tools` adds a tool-call check.
    public let capabilities: BotCapabilities
    /// How quickly cancellation and deadlines must take effect.
    public let promptness: Duration
    let bot: WebhookBot
    /// The raw exchanges go through the checked bot's own client.
    var client: UpstreamClient { bot.upstream }

    /// - Parameter capabilities: as `CAPABILITIES` names them (`tools,images`).
    /// - Throws: `BotConfigurationError` for a bad URL or capability.
    public init(url: String, secret: String? = nil, capabilities: String = "", promptness: Duration = .seconds(1)) throws {
        var settings = ["URL": url, "RETRIES": "0", "BREAKER_FAILURES": "1000", "CAPABILITIES": capabilities]
        settings["SECRET"] = secret
        let configuration = BotConfiguration(
            name: "checked", kind: "webhook", prefix: "--", settings: settings, timeout: .seconds(30))
        let webhook = try WebhookSettings(configuration)
        var logger = Logger(label: "bot-check")
        logger.logLevel = .critical
        self.url = webhook.url
        self.secret = secret
        self.capabilities = webhook.capabilities
        self.promptness = promptness
        bot = WebhookBot(settings: webhook, name: "checked", logger: logger)
    }

    /// Every check, in order.
    public func run() async -> [Result] {
        var results: [Result] = []
        for (name, check) in checks {
            let problem: String?
            do { problem = try await check() } catch { problem = "\(error)" }
            results.append(Result(name: name, problem: problem))
        }
        return results
    }

    /// The checks by name; each returns nil when it passes, or the problem.
    var checks: [(String, @Sendable () async throws -> String?)] {
        var checks: [(String, @Sendable () async throws -> String?)] = [
            ("health answers", healthAnswers),
            ("stream ends with exactly one completion", oneCompletion),
            ("collected reply equals deltas", { try await kit { try await $0.collectedReplyEqualsDeltas() } }),
            ("cancellation stops promptly", cancellationStops),
            ("deadline is honoured", deadlineHonoured),
            ("errors are BotErrors", errorsAreBotErrors),
            ("capabilities are honoured", { try await kit { try await $0.capabilitiesAreHonoured() } }),
        ]
        if secret != nil { checks.insert(("the secret is required", secretRequired), at: 1) }
        if capabilities.contains(.tools) { checks.append(("tool calls are well formed", toolCalls)) }
        return checks
    }
}
