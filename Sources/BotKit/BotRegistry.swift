/// Builds a provider of one kind from its configuration.
public typealias BotFactory = @Sendable (BotConfiguration) throws -> any BotProvider

/// Bot kinds by name. Each bot target offers a `register(in:)` (or a factory) and the
/// gateway adds one line per kind it ships; nothing else knows concrete bot types.
public struct BotRegistry: Sendable {
    private var factories: [String: BotFactory] = [:]
    private var examples: [String: String] = [:]

    public init() {}

    /// Registers (or replaces) the factory of `kind`. `settingsExample` is a commented block
    /// of the kind's `BOT_<NAME>_<KEY>` settings, written into the generated `.env.example`.
    public mutating func register(kind: String, settingsExample: String? = nil, factory: @escaping BotFactory) {
        factories[kind.lowercased()] = factory
        examples[kind.lowercased()] = settingsExample
    }

    /// The settings examples of the registered kinds, in kind order.
    public var settingsExamples: [String] { kinds.compactMap { examples[$0] } }

    /// Registered kinds, sorted.
    public var kinds: [String] { factories.keys.sorted() }

    /// Builds a provider; throws `BotConfigurationError` for an unknown kind or bad settings.
    public func make(_ configuration: BotConfiguration, kindVariable: String) throws -> any BotProvider {
        guard let factory = factories[configuration.kind.lowercased()] else {
            throw BotConfigurationError(
                kindVariable, "names an unknown bot kind \"\(configuration.kind)\" (known: \(kinds.joined(separator: ", ")))")
        }
        return try factory(configuration)
    }
}
