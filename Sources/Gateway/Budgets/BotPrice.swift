import BotKit

/// A bot's prices, from `BOT_<NAME>_PRICE_INPUT`, `_PRICE_OUTPUT` and `_PRICE_CACHED_INPUT`
/// (units of `COST_CURRENCY` per million tokens, up to six decimals; cached input defaults
/// to the input price; unset: free). Costs are counted in nanos, billionths of a unit.
public struct BotPrice: Sendable, Equatable {
    /// Millionths of a unit per million tokens (the price with six decimals).
    public var input: Int
    public var output: Int
    public var cachedInput: Int

    public static let free = BotPrice(input: 0, output: 0, cachedInput: 0)

    public init(input: Int, output: Int, cachedInput: Int) {
        self.input = input
        self.output = output
        self.cachedInput = cachedInput
    }

    /// Reads the prices among a bot's settings (`prefix` names its variables in errors).
    init(settings: [String: String], prefix: String) throws(ConfigError) {
        func price(_ key: String) throws(ConfigError) -> Int? {
            guard let text = settings[key] else { return nil }
            guard let micros = Self.micros(text) else {
                throw ConfigError(prefix + key, "must be a price per million tokens between 0 and 1000000, got \"\(text)\"")
            }
            return micros
        }
        input = try price("PRICE_INPUT") ?? 0
        output = try price("PRICE_OUTPUT") ?? 0
        cachedInput = try price("PRICE_CACHED_INPUT") ?? input
    }

    /// `12`, `0.15` or `2.500000` as millionths; nil beyond six decimals or 1,000,000.
    static func micros(_ text: String) -> Int? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, whole.isEmpty == false, whole.count <= 7, whole.allSatisfy(\.isASCIIDigit)
        else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= 6, parts.count == 1 || fraction.isEmpty == false, fraction.allSatisfy(\.isASCIIDigit)
        else { return nil }
        let value = Int(whole)! * 1_000_000 + Int(fraction.padding(toLength: 6, withPad: "0", startingAt: 0))!
        return value <= 1_000_000 * 1_000_000 ? value : nil
    }

    /// True when every price is zero.
    public var isFree: Bool { self == .free }

    /// The cost in nanos of `usage` (cached input tokens are part of the input), rounded up.
    public func cost(_ usage: TokenUsage) -> Int {
        let cached = min(max(usage.cachedInputTokens ?? 0, 0), usage.inputTokens)
        return Self.nanos(tokens: usage.inputTokens - cached, micros: input)
            + Self.nanos(tokens: cached, micros: cachedInput) + Self.nanos(tokens: usage.outputTokens, micros: output)
    }

    /// Tokens at a price of `micros` millionths per million tokens, in nanos (rounded up):
    /// tokens × micros / 1000, at most `maxNanos` (so sums of many calls stay in a BIGINT).
    static func nanos(tokens: Int, micros: Int) -> Int {
        guard tokens > 0, micros > 0 else { return 0 }
        let (product, overflow) = tokens.multipliedReportingOverflow(by: micros)
        return overflow ? maxNanos : min((product + 999) / 1000, maxNanos)
    }

    /// A million units of the currency: more than any one call costs.
    static let maxNanos = 1_000_000 * 1_000_000_000

    /// The higher of two prices, per kind of token.
    func maximum(_ other: BotPrice) -> BotPrice {
        BotPrice(
            input: max(input, other.input), output: max(output, other.output),
            cachedInput: max(cachedInput, other.cachedInput))
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
