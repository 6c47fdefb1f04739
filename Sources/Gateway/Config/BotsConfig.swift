import BotKit

/// The bots an operator configured, read from the contract's `BOT*` variables:
///
/// - `BOT_PROVIDER` (`echo`): kind of the bot named `default`; its settings are
///   `BOT_<KIND>_<KEY>` (e.g. `BOT_HTTP_URL`, `BOT_ECHO_PREFIX`).
/// - `BOTS` (none): extra bots, `name=kind` comma-separated; each reads `BOT_<NAME>_<KEY>`.
/// - `BOT_TIMEOUT_SECONDS` (60): bound on any bot call; `<prefix>TIMEOUT_SECONDS` overrides it per bot.
/// - `BOT_SYSTEM_PROMPT` (none): system message prepended to every conversation.
/// - `BOT_FALLBACK` (none): bot used when the chosen one fails before any output.
/// - `CHAT_CONTEXT_MESSAGES` (20), `CHAT_CONTEXT_CHARS` (16000): how much of a
///   conversation's history is sent with each turn.
public struct BotsConfig: Sendable {
    public var bots: [BotConfiguration]
    public var fallback: String?
    public var systemPrompt: String?
    public var contextMessages: Int
    public var contextCharacters: Int

    /// The name of the bot chosen by `BOT_PROVIDER`.
    public static let defaultName = "default"

    init(_ env: ConfigReader) throws {
        let timeout = try env.double("BOT_TIMEOUT_SECONDS", default: 60, range: 0.05...3600)
        let defaultKind = env.string("BOT_PROVIDER", default: "echo").lowercased()
        var bots = [
            try Self.bot(
                env, name: Self.defaultName, kind: defaultKind, prefix: "BOT_\(defaultKind.uppercased())_", timeout: timeout)
        ]
        for item in (env.string("BOTS") ?? "").split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].isEmpty == false, pair[1].isEmpty == false else {
                throw ConfigError("BOTS", "must be name=kind pairs separated by commas, got \"\(item)\"")
            }
            let name = pair[0].lowercased()
            guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }), name.count <= 64
            else {
                throw ConfigError("BOTS", "bot name \"\(pair[0])\" may use only letters, digits, _ and -")
            }
            guard bots.contains(where: { $0.name == name }) == false else {
                throw ConfigError("BOTS", "names the bot \"\(name)\" twice (\"default\" is reserved)")
            }
            let prefix = "BOT_\(name.uppercased().replacingOccurrences(of: "-", with: "_"))_"
            bots.append(try Self.bot(env, name: name, kind: pair[1].lowercased(), prefix: prefix, timeout: timeout))
        }
        self.bots = bots
        fallback = env.string("BOT_FALLBACK")?.lowercased()
        if let fallback, bots.contains(where: { $0.name == fallback }) == false {
            throw ConfigError("BOT_FALLBACK", "names no configured bot (\(bots.map(\.name).joined(separator: ", ")))")
        }
        systemPrompt = env.string("BOT_SYSTEM_PROMPT")
        contextMessages = try env.int("CHAT_CONTEXT_MESSAGES", default: 20, range: 0...1000)
        contextCharacters = try env.int("CHAT_CONTEXT_CHARS", default: 16000, range: 0...10_000_000)
    }

    private static func bot(_ env: ConfigReader, name: String, kind: String, prefix: String, timeout: Double) throws
        -> BotConfiguration
    {
        var settings: [String: String] = [:]
        for (key, value) in env.values where key.hasPrefix(prefix) { settings[String(key.dropFirst(prefix.count))] = value }
        let own = try env.double(prefix + "TIMEOUT_SECONDS", default: timeout, range: 0.05...3600)
        return BotConfiguration(
            name: name, kind: kind, prefix: prefix, settings: settings, timeout: .milliseconds(Int(own * 1000)))
    }
}
