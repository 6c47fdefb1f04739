import BotKit
import BotTransport

/// An HTTP bot's settings, from its configuration section (`BOT_HTTP_<KEY>` for the
/// default bot, `BOT_<NAME>_<KEY>` for a named one):
///
/// | key | default | meaning |
/// |---|---|---|
/// | `URL` | required | base URL, e.g. `https://api.openai.com/v1`, `http://127.0.0.1:11434`; a comma-separated list for one bot served by several deployments |
/// | `API` | `openai` | wire format: `openai`, `anthropic`, `ollama` |
/// | `API_KEY` | none | secret for the format's auth header; never logged; one, or one per URL |
/// | `MODEL` | required | model name sent upstream; one, or one per URL |
/// | `WEIGHTS` | all 1 | each URL's share of calls, 1 to 1000 each |
/// | `BALANCE` | `least-in-flight` | how calls are spread: `least-in-flight` (per unit of weight) or `weighted` (chance) |
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
    /// The upstreams that serve the bot (one unless `URL` lists several); the first one's
    /// URL, secret and model are also `baseURL`, `apiKey`, `model`.
    public var deployments: [Deployment]
    /// How calls are spread over `deployments`.
    package var balance: Balance
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

    /// One upstream of the bot: where it is, its secret, its model name, its share.
    public struct Deployment: Sendable, Equatable {
        public var baseURL: String
        public var apiKey: String?
        public var model: String
        public var weight: Int
    }

    public init(_ configuration: BotConfiguration) throws {
        api = API(rawValue: try configuration.choice("API", API.allCases.map(\.rawValue), default: "openai"))!
        deployments = try Self.deployments(configuration)
        (baseURL, apiKey, model) = (deployments[0].baseURL, deployments[0].apiKey, deployments[0].model)
        balance = Balance(
            rawValue: try configuration.choice("BALANCE", Balance.allCases.map(\.rawValue), default: "least-in-flight"))!
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
