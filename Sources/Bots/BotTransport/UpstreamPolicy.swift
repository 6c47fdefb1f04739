import BotKit

/// How a bot reaches its upstream, from its configuration section — the keys every bot
/// kind that calls a remote service shares (one place reads them):
///
/// | key | default | meaning |
/// |---|---|---|
/// | `HEADERS` | none | extra headers, `Name: value` separated by `;` |
/// | `CONNECT_TIMEOUT_SECONDS` | 10 | TCP + TLS connect bound |
/// | `IDLE_TIMEOUT_SECONDS` | 30 | longest silence between received bytes |
/// | `RETRIES` | 2 | extra attempts on connect errors, 429, 502, 503 before any output (not after a timeout, 500, 504 or a dropped answer: the upstream may have run the call) |
/// | `RETRY_BASE_MS` | 250 | first backoff; doubles per attempt, with jitter |
/// | `BREAKER_FAILURES` | 5 | consecutive failures that open the circuit |
/// | `BREAKER_COOLDOWN_SECONDS` | 30 | how long an open circuit fails fast |
/// | `CA_FILE` | system store | CA bundle for TLS verification |
/// | `MAX_RESPONSE_BYTES` | 8388608 | larger upstream answers are cut off as errors |
public struct UpstreamPolicy: Sendable {
    public var extraHeaders: [String]
    public var connectTimeout: Duration
    public var idleTimeout: Duration
    public var retries: Int
    public var retryBase: Duration
    public var breakerFailures: Int
    public var breakerCooldown: Duration
    public var caFile: String?
    public var maxResponseBytes: Int

    public init(_ configuration: BotConfiguration) throws {
        extraHeaders = try (configuration.string("HEADERS") ?? "").split(separator: ";").map { item in
            let header = item.drop(while: \.isWhitespace)
            guard let colon = header.firstIndex(of: ":"), colon != header.startIndex, Self.isHeaderSafe(String(header)) else {
                throw BotConfigurationError(
                    configuration.variable("HEADERS"), "must be `Name: value` items separated by ; (printable ASCII)")
            }
            return String(header)
        }
        connectTimeout = .seconds(try configuration.int("CONNECT_TIMEOUT_SECONDS", default: 10, range: 1...600))
        idleTimeout = .seconds(try configuration.int("IDLE_TIMEOUT_SECONDS", default: 30, range: 1...3600))
        retries = try configuration.int("RETRIES", default: 2, range: 0...10)
        retryBase = .milliseconds(try configuration.int("RETRY_BASE_MS", default: 250, range: 1...60_000))
        breakerFailures = try configuration.int("BREAKER_FAILURES", default: 5, range: 1...1000)
        breakerCooldown = .seconds(try configuration.int("BREAKER_COOLDOWN_SECONDS", default: 30, range: 1...3600))
        caFile = configuration.string("CA_FILE")
        maxResponseBytes = try configuration.int("MAX_RESPONSE_BYTES", default: 8 << 20, range: 1024...(1 << 30))
    }

    /// True when `value` can go into an HTTP header as is: printable ASCII, spaces and tabs
    /// only (no CR or LF that would start another header).
    public static func isHeaderSafe(_ value: String) -> Bool {
        value.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) || $0 == "\t" }
    }
}
