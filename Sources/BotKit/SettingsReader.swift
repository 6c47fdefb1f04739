/// Typed reads of `KEY=value` settings, each failing with a `BotConfigurationError` that
/// names the full variable (`prefix + key`). Empty values count as unset. The gateway's own
/// keys and every bot's settings are read through it, so a value is parsed, and explained
/// when wrong, one way.
public struct SettingsReader: Sendable {
    /// Keys (without `prefix`) to raw values.
    public let values: [String: String]
    /// Prepended to a key to name its variable in errors, e.g. `BOT_CLAUDE_`.
    public let prefix: String

    public init(values: [String: String], prefix: String = "") {
        self.values = values
        self.prefix = prefix
    }

    /// A value with surrounding whitespace removed; nil when absent or empty.
    public func string(_ key: String) -> String? {
        guard let raw = values[key] else { return nil }
        let value = raw.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()
        return value.isEmpty ? nil : String(value)
    }

    /// An integer within a range.
    public func int(_ key: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = string(key) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw fault(key, "must be an integer between \(range.lowerBound) and \(range.upperBound), got \"\(text)\"")
        }
        return value
    }

    /// A finite number within a range; `fallback` when unset.
    public func double(_ key: String, default fallback: Double?, range: ClosedRange<Double>) throws -> Double? {
        guard let text = string(key) else { return fallback }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw fault(key, "must be a number between \(range.lowerBound) and \(range.upperBound), got \"\(text)\"")
        }
        return value
    }

    /// true/false, 1/0, yes/no, on/off.
    public func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let text = string(key)?.lowercased() else { return fallback }
        switch text {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw fault(key, "must be true or false, got \"\(text)\"")
        }
    }

    /// One of a fixed set of lowercase choices.
    public func choice(_ key: String, _ choices: [String], default fallback: String) throws -> String {
        let value = string(key)?.lowercased() ?? fallback
        guard choices.contains(value) else {
            throw fault(key, "must be one of \(choices.joined(separator: ", ")), got \"\(value)\"")
        }
        return value
    }

    /// The error for `key`, naming its full variable.
    public func fault(_ key: String, _ problem: String) -> BotConfigurationError {
        BotConfigurationError(prefix + key, problem)
    }
}
