import BotKit
import BotTransport

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
/// | `STREAM` | `true` | ask the upstream to stream; `false` for servers that cannot |
/// | `ANTHROPIC_VERSION` | `2023-06-01` | `anthropic-version` header |
/// | `EXTRAS` | none | request members clients may pass through to this upstream, comma-separated (e.g. `top_k,min_p`) |
///
/// and the transport keys every HTTP-speaking kind shares (`UpstreamPolicy`: `HEADERS`,
/// timeouts, retries, circuit breaker, `CA_FILE`, `MAX_RESPONSE_BYTES`).
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
    public var stream: Bool
    public var timeout: Duration
    /// Headers, timeouts, retries, breaker, TLS and size limits (the keys `UpstreamPolicy` reads).
    public var upstream: UpstreamPolicy
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
        if let apiKey, UpstreamPolicy.isHeaderSafe(apiKey) == false {
            throw BotConfigurationError(configuration.variable("API_KEY"), "must be printable ASCII")
        }
        model = try configuration.require("MODEL")
        maxTokens =
            configuration.string("MAX_TOKENS") == nil
            ? nil : try configuration.int("MAX_TOKENS", default: 0, range: 1...1_000_000)
        temperature = try configuration.double("TEMPERATURE", range: 0...2)
        stream = try configuration.bool("STREAM", default: true)
        timeout = configuration.timeout
        upstream = try UpstreamPolicy(configuration)
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
