/// `usage`: an upstream's usage numbers, from the bytes it sends to what the gateway adds
/// up. The first bytes choose three prices and two counts to set afterwards; the rest is
/// read as JSON (leniently, as bots read upstream bodies), and the value, its `usage`
/// member and each of its members are read as every wire format's usage block.
///
/// Invariants: nothing traps; every count is within `0...TokenUsage.maximum`, cached input
/// at most the input and reasoning at most the output, also after a count is set again; a
/// cost at any price is within `0...3 × BotPrice.maxNanos`; a million such calls add up
/// within 64 bits (checked with overflow-reporting arithmetic), tokens and cost alike; the
/// amounts a metric counter is incremented by are never negative.
enum UsageHarness {
    static func run(_ data: UnsafeBufferPointer<UInt8>) {
        var input = FuzzInput(data)
        func number(_ bytes: Int) -> Int {
            var value: UInt64 = 0
            for _ in 0..<bytes { value = value << 8 | UInt64(input.byte()) }
            return Int(truncatingIfNeeded: value)
        }
        let limit = 1_000_000_000_001
        let price = BotPrice(
            input: abs(number(5) % limit), output: abs(number(5) % limit), cachedInput: abs(number(5) % limit))
        let later = (number(8), number(8))
        guard let value = try? JSONReader.parse(input.rest(), limits: BotJSONHarness.lenient) else { return }
        var candidates = [value]
        if let usage = value["usage"] { candidates.append(usage) }
        if case .object(let members) = value { candidates += members.values.prefix(16) }
        for candidate in candidates {
            for usage in [
                WireUsage.openAI(candidate), WireUsage.anthropic(candidate), WireUsage.ollama(candidate),
                WireUsage.webhook(candidate),
            ] {
                guard var usage else { continue }
                check(usage, price)
                usage.inputTokens = later.0
                usage.cachedInputTokens = later.1
                usage.reasoningTokens = later.0
                usage.outputTokens = later.1
                check(usage, price)
            }
        }
    }

    private static func check(_ usage: TokenUsage, _ price: BotPrice) {
        let range = 0...TokenUsage.maximum
        invariant(range.contains(usage.inputTokens), "usage", "input \(usage.inputTokens)")
        invariant(range.contains(usage.outputTokens), "usage", "output \(usage.outputTokens)")
        invariant(usage.cachedInputTokens.map { (0...usage.inputTokens).contains($0) } ?? true, "usage", "cached \(usage)")
        invariant(usage.reasoningTokens.map { (0...usage.outputTokens).contains($0) } ?? true, "usage", "reasoning \(usage)")
        let cost = price.cost(usage)
        invariant((0...3 * BotPrice.maxNanos).contains(cost), "usage", "cost \(cost) of \(usage) at \(price)")
        let (tokens, tokensOverflow) = usage.totalTokens.multipliedReportingOverflow(by: 1_000_000)
        invariant(tokensOverflow == false && tokens >= 0, "usage", "a million calls of \(usage) overflow")
        // What the metrics add (`Counter.increment(by:)` traps below zero).
        invariant(usage.inputTokens >= 0 && usage.outputTokens >= 0, "usage", "negative counter increment")
    }
}
