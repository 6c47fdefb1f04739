import BotKit

/// An HTTP bot's settings, from its configuration section (`BOT_HTTP_<KEY>` for the
/// default bot, `BOT_<NAME>_<KEY>` for a named one):
///
/// | key | default | meaning |
/// |---|---|---|
/// | `URL` | required | base URL, e.g. `https://api.openai.com/v1`, `http://127.0.0.1:11434` |
/// | `API` | `openai` | wire format: `openai`, `anthropic`, `ollama` |
/// | `API_KEY` | none | secret for the format's auth header; never logged |
/// | `MODEL` | required | model name sent upstream |
/// | `MAX_TOKENS`, `TEMPERATURE` | upstream's (Anthropic: 1024 tokens) | generation defaults |
/// | `HEADERS` | none | extra headers, `Name: value` separated by `;` |
/// | `STREAM` | `true` | ask the upstream to stream; `false` for servers that cannot |
/// | `CONNECT_TIMEOUT_SECONDS` | 10 | TCP + TLS connect bound |
/// | `IDLE_TIMEOUT_SECONDS` | 30 | longest silence between received bytes |
/// | `RETRIES` | 2 | extra attempts on connect errors, 429, 500, 502, 503, 504 before any output |
/// | `RETRY_BASE_MS` | 250 | first backoff; doubles per attempt, with jitter |
/// | `BREAKER_FAILURES` | 5 | consecutive failures that open the circuit |
/// | `BREAKER_COOLDOWN_SECONDS` | 30 | how long an open circuit fails fast |
/// | `CA_FILE` | system store | CA bundle for TLS verification |
/// | `MAX_RESPONSE_BYTES` | 8388608 | larger upstream answers are cut off as errors |
/// | `ANTHROPIC_VERSION` | `2023-06-01` | `anthropic-version` header |
/// | `EXTRAS` | none | request members clients may pass through to this upstream, comma-separated (e.g. `top_k,min_p`) |
public struct HTTPBotSettings: Sendable {
    public enum API: String, Sendable, CaseIterable { case openai, anthropic, ollama }

    public var baseURL: String
    public var api: API
    public var apiKey: String?
    public var model: String
    public var maxTokens: Int?

    /// The output limit of one call: the client's request, but never above the operator's
    /// `MAX_TOKENS` when one is set.
    func maxTokens(for request: BotRequest) -> Int? {
        guard let asked = request.options.maxTokens else { return maxTokens }
        return maxTokens.map { min($0, asked) } ?? asked
    }
    public var temperature: Double?
    public var extraHeaders: [String]
    public var stream: Bool
    public var connectTimeout: Duration
    public var idleTimeout: Duration
    public var timeout: Duration
    public var retries: Int
    public var retryBase: Duration
    public var breakerFailures: Int
    public var breakerCooldown: Duration
    public var caFile: String?
    public var maxResponseBytes: Int
    public var anthropicVersion: String
    /// Body members clients may pass through (`EXTRAS`); never one the gateway writes itself.
    public var extras: Set<String>
    static let reservedMembers: Set<String> = [
        "model", "messages", "stream", "stream_options", "system", "max_tokens", "temperature", "top_p", "stop",
        "stop_sequences", "seed", "user", "metadata", "tools", "tool_choice", "response_format", "format", "options",
    ]

    public init(_ configuration: BotConfiguration) throws {
        let url = try configuration.require("URL")
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw BotConfigurationError(configuration.variable("URL"), "must start with http:// or https://, got \"\(url)\"")
        }
        baseURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        api = API(rawValue: try configuration.choice("API", API.allCases.map(\.rawValue), default: "openai"))!
        apiKey = configuration.string("API_KEY")
        model = try configuration.require("MODEL")
        maxTokens =
            configuration.string("MAX_TOKENS") == nil
            ? nil : try configuration.int("MAX_TOKENS", default: 0, range: 1...1_000_000)
        temperature = try configuration.double("TEMPERATURE", range: 0...2)
        extraHeaders = try (configuration.string("HEADERS") ?? "").split(separator: ";").map { item in
            let header = item.drop(while: \.isWhitespace)
            guard let colon = header.firstIndex(of: ":"), colon != header.startIndex else {
                throw BotConfigurationError(configuration.variable("HEADERS"), "must be `Name: value` items separated by ;")
            }
            return String(header)
        }
        stream = try configuration.bool("STREAM", default: true)
        connectTimeout = .seconds(try configuration.int("CONNECT_TIMEOUT_SECONDS", default: 10, range: 1...600))
        idleTimeout = .seconds(try configuration.int("IDLE_TIMEOUT_SECONDS", default: 30, range: 1...3600))
        timeout = configuration.timeout
        retries = try configuration.int("RETRIES", default: 2, range: 0...10)
        retryBase = .milliseconds(try configuration.int("RETRY_BASE_MS", default: 250, range: 1...60_000))
        breakerFailures = try configuration.int("BREAKER_FAILURES", default: 5, range: 1...1000)
        breakerCooldown = .seconds(try configuration.int("BREAKER_COOLDOWN_SECONDS", default: 30, range: 1...3600))
        caFile = configuration.string("CA_FILE")
        maxResponseBytes = try configuration.int("MAX_RESPONSE_BYTES", default: 8 << 20, range: 1024...(1 << 30))
        anthropicVersion = configuration.string("ANTHROPIC_VERSION") ?? "2023-06-01"
        extras = Set(
            try (configuration.string("EXTRAS") ?? "").split(separator: ",").map { item in
                let name = item.trimmingCharacters(in: .whitespaces)
                guard (1...64).contains(name.count),
                    name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }),
                    Self.reservedMembers.contains(name) == false
                else {
                    throw BotConfigurationError(
                        configuration.variable("EXTRAS"), "must list lower-case member names the gateway does not set itself")
                }
                return name
            })
    }
}
