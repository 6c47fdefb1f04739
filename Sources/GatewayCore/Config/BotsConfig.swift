import BotKit

/// The bots an operator configured, read from the contract's `BOT*` variables (defaults
/// and ranges in `ConfigKey`):
///
/// - `BOT_PROVIDER`: kind of the bot named `default`; its settings are
///   `BOT_<KIND>_<KEY>` (e.g. `BOT_HTTP_URL`, `BOT_ECHO_PREFIX`).
/// - `BOTS`: extra bots, `name=kind` comma-separated; each reads `BOT_<NAME>_<KEY>`.
/// - `BOT_TIMEOUT_SECONDS`: bound on any bot call; `<prefix>TIMEOUT_SECONDS` overrides it per bot.
/// - `BOT_SYSTEM_PROMPT`: system message prepended to every conversation.
/// - `BOT_FALLBACK`: bot used when the chosen one fails before any output.
/// - `CHAT_CONTEXT_MESSAGES`, `CHAT_CONTEXT_CHARS`: how much of a
///   conversation's history is sent with each turn.
public struct BotsConfig: Sendable {
    public var bots: [BotConfiguration]
    public var fallback: String?
    public var systemPrompt: String?
    public var contextMessages: Int
    public var contextCharacters: Int
    /// `CONVERSATION_IMAGE_MAX_BYTES`: larger base64 images are not stored (only counted).
    public var conversationImageBytes: Int
    /// `BOT_HEALTH_CACHE_SECONDS`: how long a bot's health answer is reused.
    public var healthCachePeriod: Duration

    /// The name of the bot chosen by `BOT_PROVIDER`.
    public static let defaultName = "default"

    package init(_ env: ConfigReader) throws {
        let timeout = try env.duration(.botTimeout)
        let defaultKind = (env.string(.botProvider) ?? "echo").lowercased()
        var bots = [
            try Self.bot(
                env, name: Self.defaultName, kind: defaultKind, prefix: "BOT_\(defaultKind.uppercased())_", timeout: timeout)
        ]
        for item in (env.string(.bots) ?? "").split(separator: ",") {
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
        fallback = env.string(.botFallback)?.lowercased()
        if let fallback, bots.contains(where: { $0.name == fallback }) == false {
            throw ConfigError("BOT_FALLBACK", "names no configured bot (\(bots.map(\.name).joined(separator: ", ")))")
        }
        systemPrompt = env.string(.botSystemPrompt)
        contextMessages = try env.int(.contextMessages)
        contextCharacters = try env.int(.contextCharacters)
        conversationImageBytes = try env.int(.conversationImageBytes)
        healthCachePeriod = try env.duration(.botHealthCache)
    }

    private static func bot(_ env: ConfigReader, name: String, kind: String, prefix: String, timeout: Duration) throws
        -> BotConfiguration
    {
        var settings: [String: String] = [:]
        for (key, value) in env.values where key.hasPrefix(prefix) { settings[String(key.dropFirst(prefix.count))] = value }
        // Each bot may override the shared bound with `<prefix>TIMEOUT_SECONDS`, in its range.
        guard case .duration(let range, _) = ConfigKey.botTimeout.spec.kind else { preconditionFailure() }
        let own = try env.settings.double(prefix + "TIMEOUT_SECONDS", default: nil, range: range)
        return BotConfiguration(
            name: name, kind: kind, prefix: prefix, settings: settings,
            timeout: own.map { .seconds($0) } ?? timeout)
    }
}
