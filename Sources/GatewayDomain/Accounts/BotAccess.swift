/// Which bots a caller may call: every configured bot (a password login, a key made
/// without a list), or only the names its API key was created with.
public struct BotAccess: Sendable, Equatable {
    /// The bot names allowed; nil: every bot.
    public let names: Set<String>?

    /// No limit.
    public static let everyBot = BotAccess(names: nil)

    public init(names: Set<String>?) {
        self.names = names
    }

    /// The grant of a key whose stored list is `names` (nil: every bot).
    public init(_ names: [String]?) {
        self.names = names.map(Set.init)
    }

    /// Whether the bot named `name` (its configured, lowercase name) may be called.
    public func permits(_ name: String) -> Bool { names?.contains(name) ?? true }

    /// The bots both allow (a request presenting two credentials).
    public func intersection(_ other: BotAccess) -> BotAccess {
        guard let names, let others = other.names else { return names == nil ? other : self }
        return BotAccess(names: names.intersection(others))
    }
}
