import BotKit
import BotTransport

/// A webhook bot's settings, from its configuration section (`BOT_<NAME>_<KEY>`):
///
/// | key | default | meaning |
/// |---|---|---|
/// | `URL` | required | the endpoint: `POST {URL}` for a turn, `GET {URL}/health` for health |
/// | `SECRET` | none | sent as `Bot-Secret` with every request; never logged |
/// | `CAPABILITIES` | none | what the bot takes beyond text: `tools`, `images`, `structured_output` |
/// | `EXTRAS` | none | request members clients may pass through (`options.extras`) |
///
/// and the transport keys every HTTP-speaking kind shares (`UpstreamPolicy`: `HEADERS`,
/// timeouts, retries, circuit breaker, `CA_FILE`, `MAX_RESPONSE_BYTES`).
public struct WebhookSettings: Sendable {
    public var url: String
    public var secret: String?
    public var capabilities: BotCapabilities
    public var extras: Set<String>
    public var upstream: UpstreamPolicy

    /// What a webhook can declare (embeddings are not part of protocol version 1).
    static let declarable: BotCapabilities = [.tools, .images, .structuredOutput]

    public init(_ configuration: BotConfiguration) throws {
        let url = try configuration.require("URL")
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw BotConfigurationError(configuration.variable("URL"), "must start with http:// or https://, got \"\(url)\"")
        }
        guard url.contains("?") == false, url.contains("#") == false, UpstreamPolicy.isHeaderSafe(url) else {
            throw BotConfigurationError(configuration.variable("URL"), "must be a plain URL, without a query or fragment")
        }
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        secret = configuration.string("SECRET")
        if let secret, secret.unicodeScalars.contains(where: { (0x21...0x7E).contains($0.value) == false }) {
            throw BotConfigurationError(configuration.variable("SECRET"), "must be printable ASCII without spaces")
        }
        capabilities = []
        for item in (configuration.string("CAPABILITIES") ?? "").split(separator: ",") {
            let name = item.trimmingCharacters(in: .whitespaces)
            guard let capability = Self.declarable.first(named: name) else {
                throw BotConfigurationError(
                    configuration.variable("CAPABILITIES"), "must list tools, images or structured_output, got \"\(name)\"")
            }
            capabilities.insert(capability)
        }
        extras = Set(
            try (configuration.string("EXTRAS") ?? "").split(separator: ",").map { item in
                let name = item.trimmingCharacters(in: .whitespaces)
                guard (1...64).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
                else {
                    throw BotConfigurationError(configuration.variable("EXTRAS"), "must list member names, comma-separated")
                }
                return name
            })
        upstream = try UpstreamPolicy(configuration)
    }

    /// The settings example for `.env.example`.
    static let example = """
        # A bot in any language, over the bot protocol (docs/bot-protocol.md; BOTS=mine=webhook):
        # BOT_MINE_URL=http://127.0.0.1:9100
        # BOT_MINE_SECRET=change-me          # sent as Bot-Secret; never logged
        # BOT_MINE_CAPABILITIES=tools        # tools, images, structured_output (default: text only)
        # BOT_MINE_EXTRAS=top_k              # request members clients may pass through (default none)
        # BOT_MINE_RETRIES=2                 # and the other transport keys of the HTTP bot
        """
}

extension BotCapabilities {
    /// The single capability called `name` in `names` (`structured_output`, …).
    func first(named name: String) -> BotCapabilities? {
        [BotCapabilities.tools, .images, .structuredOutput, .embeddings].first { contains($0) && $0.names == [name] }
    }
}
