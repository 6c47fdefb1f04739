import BotKit
import GatewayCore

/// The configured bots by name, built once at startup through the `BotRegistry`.
public struct BotDirectory: Sendable {
    /// One configured bot.
    public struct Entry: Sendable {
        public let name: String
        public let kind: String
        public let timeout: Duration
        public let provider: any BotProvider
        /// Its prices (`<prefix>PRICE_*`), for costs and cost budgets.
        public var price: BotPrice = .free
    }

    public let entries: [Entry]
    public let fallback: String?
    /// Their health, probed at most once per `BOT_HEALTH_CACHE_SECONDS` whoever asks.
    package let health: BotHealthCache

    /// Builds every bot of `config`; a bad setting throws a `ConfigError` naming its variable.
    public init(config: BotsConfig, registry: BotRegistry) throws {
        entries = try config.bots.map { bot in
            let kindVariable = bot.name == BotsConfig.defaultName ? "BOT_PROVIDER" : "BOTS"
            return Entry(
                name: bot.name, kind: bot.kind, timeout: bot.timeout,
                provider: try registry.make(bot, kindVariable: kindVariable),
                price: try BotPrice(settings: bot.settings, prefix: bot.prefix))
        }
        fallback = config.fallback
        health = BotHealthCache(period: config.healthCachePeriod)
    }

    /// The bot named `name` (nil: the default bot).
    public func bot(named name: String?) -> Entry? {
        let wanted = name?.lowercased() ?? BotsConfig.defaultName
        return entries.first { $0.name == wanted }
    }

    /// The bot `name` names (nil: the default bot) if `access` allows it: `unknownBot`
    /// when there is none, `botNotAllowed` when the caller's API key may not call it.
    public func bot(named name: String?, for access: BotAccess) throws(ChatError) -> Entry {
        guard let bot = bot(named: name) else { throw .unknownBot(name ?? "") }
        guard access.permits(bot.name) else { throw .botNotAllowed(bot.name) }
        return bot
    }

    /// The bots `access` allows, in configuration order.
    public func entries(for access: BotAccess) -> [Entry] { entries.filter { access.permits($0.name) } }

    /// The default bot (always configured).
    public var defaultBot: Entry { entries[0] }
}
