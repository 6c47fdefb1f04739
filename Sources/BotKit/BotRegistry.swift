/// Builds a provider of one kind from its configuration.
public typealias BotFactory = @Sendable (BotConfiguration) throws -> any BotProvider

/// Bot kinds by name. Each bot target offers a `register(in:)` (or a factory) and the
/// gateway adds one line per kind it ships; nothing else knows concrete bot types.
public struct BotRegistry: Sendable {
    private var factories: [String: BotFactory] = [:]

    public init() {}

    /// Registers (or replaces) the factory of `kind`.
    public mutating func register(kind: String, factory: @escaping BotFactory) {
        factories[kind.lowercased()] = factory
    }

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
