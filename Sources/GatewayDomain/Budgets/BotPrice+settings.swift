import BotKit
import GatewayCore

extension BotPrice {
    /// Reads the prices among a bot's settings (`prefix` names its variables in errors).
    package init(settings: [String: String], prefix: String) throws(ConfigError) {
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
        cacheWrite = try price("PRICE_CACHE_WRITE") ?? input
    }

    /// `12`, `0.15` or `2.500000` as millionths; nil beyond six decimals or 1,000,000.
    package static func micros(_ text: String) -> Int? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, whole.isEmpty == false, whole.count <= 7, whole.allSatisfy(\.isASCIIDigit)
        else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= 6, parts.count == 1 || fraction.isEmpty == false, fraction.allSatisfy(\.isASCIIDigit)
        else { return nil }
        let value = Int(whole)! * 1_000_000 + Int(fraction.padding(toLength: 6, withPad: "0", startingAt: 0))!
        return value <= 1_000_000 * 1_000_000 ? value : nil
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
