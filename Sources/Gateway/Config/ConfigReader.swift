import Foundation

/// Typed reads of environment variables, each failing with a `ConfigError` naming the
/// variable. Empty values count as unset.
struct ConfigReader {
    let values: [String: String]

    func string(_ key: String) -> String? {
        guard let value = values[key]?.trimmingCharacters(in: .whitespaces), value.isEmpty == false else {
            return nil
        }
        return value
    }

    func string(_ key: String, default fallback: String) -> String { string(key) ?? fallback }

    func int(_ key: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = string(key) else { return fallback }
        guard let value = Int(text) else { throw ConfigError(key, "must be an integer, got \"\(text)\"") }
        guard range.contains(value) else {
            throw ConfigError(key, "must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
        return value
    }

    func double(_ key: String, default fallback: Double, range: ClosedRange<Double>) throws -> Double {
        guard let text = string(key) else { return fallback }
        guard let value = Double(text), value.isFinite else {
            throw ConfigError(key, "must be a number, got \"\(text)\"")
        }
        guard range.contains(value) else {
            throw ConfigError(key, "must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
        return value
    }

    func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let text = string(key)?.lowercased() else { return fallback }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigError(key, "must be true or false, got \"\(text)\"")
        }
    }

    func oneOf(_ key: String, _ choices: [String], default fallback: String) throws -> String {
        let value = string(key)?.lowercased() ?? fallback
        guard choices.contains(value) else {
            throw ConfigError(key, "must be one of \(choices.joined(separator: ", ")), got \"\(value)\"")
        }
        return value
    }
}
