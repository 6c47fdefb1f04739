import BotKit

/// Typed reads of the gateway's keys through each key's spec (type, default, range); a
/// bad value fails with a `ConfigError` naming the variable. Empty values count as unset.
package struct ConfigReader {
    package let settings: SettingsReader

    package init(values: [String: String]) { settings = SettingsReader(values: values) }

    package var values: [String: String] { settings.values }

    /// The value as set, else the key's default; nil when neither.
    package func string(_ key: ConfigKey) -> String? { settings.string(key.rawValue) ?? key.spec.defaultValue }

    /// An integer key; `computed` supplies a default the table cannot write down.
    package func int(_ key: ConfigKey, default computed: Int? = nil) throws -> Int {
        guard case .integer(let range) = key.spec.kind, let fallback = computed ?? key.spec.defaultValue.flatMap({ Int($0) })
        else { preconditionFailure("\(key.rawValue) is not an integer key with a default") }
        return try settings.int(key.rawValue, default: fallback, range: range)
    }

    /// A duration key, in its unit (fractions allowed).
    package func duration(_ key: ConfigKey) throws -> Duration {
        guard case .duration(let range, let unit) = key.spec.kind, let fallback = key.spec.defaultValue.flatMap({ Double($0) })
        else { preconditionFailure("\(key.rawValue) is not a duration key with a default") }
        let value = try settings.double(key.rawValue, default: fallback, range: range) ?? fallback
        return .seconds(value * Double(unit.rawValue))
    }

    package func bool(_ key: ConfigKey) throws -> Bool {
        guard case .flag = key.spec.kind else { preconditionFailure("\(key.rawValue) is not a flag") }
        return try settings.bool(key.rawValue, default: key.spec.defaultValue == "true")
    }

    package func choice(_ key: ConfigKey) throws -> String {
        guard case .choice(let choices) = key.spec.kind, let fallback = key.spec.defaultValue else {
            preconditionFailure("\(key.rawValue) is not a choice with a default")
        }
        return try settings.choice(key.rawValue, choices, default: fallback)
    }

    /// The key as `check-config` prints it: set or default, a secret masked.
    package func shown(_ key: ConfigKey) -> String {
        guard let value = string(key) else { return "(unset)" }
        return key.spec.secret ? "******" : value
    }
}
