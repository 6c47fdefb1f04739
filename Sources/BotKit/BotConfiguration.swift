/// One configured bot's settings, as read from the environment.
///
/// `settings` holds the bot's own keys without their prefix: for the variable
/// `BOT_CLAUDE_URL` the key is `URL`. `variable(_:)` gives the full name back, so
/// errors can name exactly what the operator must fix.
public struct BotConfiguration: Sendable {
    /// The bot's name (`default` for the one chosen by `BOT_PROVIDER`).
    public var name: String
    /// The bot's kind, as registered (`echo`, `http`, …).
    public var kind: String
    /// The environment prefix of this bot's keys, e.g. `BOT_HTTP_` or `BOT_CLAUDE_`.
    public var prefix: String
    /// Keys (without prefix) to values.
    public var settings: [String: String]
    /// Bound on any call of this bot (`BOT_TIMEOUT_SECONDS`, or `<prefix>TIMEOUT_SECONDS`).
    public var timeout: Duration

    public init(name: String, kind: String, prefix: String, settings: [String: String], timeout: Duration) {
        self.name = name
        self.kind = kind
        self.prefix = prefix
        self.settings = settings
        self.timeout = timeout
    }

    /// The full variable name of a key.
    public func variable(_ key: String) -> String { prefix + key }

    /// Typed reads of `settings`, naming the full variable in errors.
    public var reader: SettingsReader { SettingsReader(values: settings, prefix: prefix) }

    /// A setting, nil when absent or empty.
    public func string(_ key: String) -> String? { reader.string(key) }

    /// A required setting.
    public func require(_ key: String) throws -> String {
        guard let value = string(key) else { throw reader.fault(key, "is required for a \(kind) bot") }
        return value
    }

    /// An integer setting within a range.
    public func int(_ key: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        try reader.int(key, default: fallback, range: range)
    }

    /// An optional number setting within a range.
    public func double(_ key: String, range: ClosedRange<Double>) throws -> Double? {
        try reader.double(key, default: nil, range: range)
    }

    /// A boolean setting: true/false, 1/0, yes/no, on/off.
    public func bool(_ key: String, default fallback: Bool) throws -> Bool { try reader.bool(key, default: fallback) }

    /// One of a fixed set of lowercase choices.
    public func choice(_ key: String, _ choices: [String], default fallback: String) throws -> String {
        try reader.choice(key, choices, default: fallback)
    }
}

/// A bot's configuration is wrong; `description` is one line naming the variable.
public struct BotConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let variable: String
    public let problem: String

    public init(_ variable: String, _ problem: String) {
        self.variable = variable
        self.problem = problem
    }

    public var description: String { "configuration error: \(variable) \(problem)" }
}
