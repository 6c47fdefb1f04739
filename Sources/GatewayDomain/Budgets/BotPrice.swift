#if canImport(BotKit)
    import BotKit
#endif

/// A bot's prices, from `BOT_<NAME>_PRICE_INPUT`, `_PRICE_OUTPUT`, `_PRICE_CACHED_INPUT`
/// (prompt-cache reads) and `_PRICE_CACHE_WRITE` (prompt-cache writes) in units of
/// `COST_CURRENCY` per million tokens, up to six decimals; both cache prices default to the
/// input price; unset: free. Costs are counted in nanos, billionths of a unit.
public struct BotPrice: Sendable, Equatable {
    /// Millionths of a unit per million tokens (the price with six decimals).
    public var input: Int
    public var output: Int
    public var cachedInput: Int
    /// Input tokens written to the upstream's prompt cache (Anthropic: 1.25× input for 5 minutes).
    public var cacheWrite: Int

    public static let free = BotPrice(input: 0, output: 0, cachedInput: 0)

    /// `cacheWrite` nil: the input price.
    public init(input: Int, output: Int, cachedInput: Int, cacheWrite: Int? = nil) {
        self.input = input
        self.output = output
        self.cachedInput = cachedInput
        self.cacheWrite = cacheWrite ?? input
    }

    /// True when every price is zero.
    public var isFree: Bool { self == .free }

    /// The cost in nanos of `usage` (cache reads and writes are part of the input), rounded up.
    public func cost(_ usage: TokenUsage) -> Int {
        let cached = min(max(usage.cachedInputTokens ?? 0, 0), usage.inputTokens)
        let written = min(max(usage.cacheWriteInputTokens ?? 0, 0), usage.inputTokens - cached)
        return Self.nanos(tokens: usage.inputTokens - cached - written, micros: input)
            + Self.nanos(tokens: cached, micros: cachedInput) + Self.nanos(tokens: written, micros: cacheWrite)
            + Self.nanos(tokens: usage.outputTokens, micros: output)
    }

    /// Tokens at a price of `micros` millionths per million tokens, in nanos (rounded up):
    /// tokens × micros / 1000, at most `maxNanos` (so sums of many calls stay in a BIGINT).
    package static func nanos(tokens: Int, micros: Int) -> Int {
        guard tokens > 0, micros > 0 else { return 0 }
        let (product, overflow) = tokens.multipliedReportingOverflow(by: micros)
        // Rounded up without adding first (product + 999 could pass Int.max).
        return overflow ? maxNanos : min(product / 1000 + (product % 1000 == 0 ? 0 : 1), maxNanos)
    }

    /// A million units of the currency: more than any one call costs.
    package static let maxNanos = 1_000_000 * 1_000_000_000

    /// The higher of two prices, per kind of token.
    package func maximum(_ other: BotPrice) -> BotPrice {
        BotPrice(
            input: max(input, other.input), output: max(output, other.output),
            cachedInput: max(cachedInput, other.cachedInput), cacheWrite: max(cacheWrite, other.cacheWrite))
    }
}
