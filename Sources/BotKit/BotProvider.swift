/// A bot: the contract every AI backend implements to plug into the gateway.
///
/// Streaming first: `stream(_:)` yields `.delta` events and then exactly one
/// `.completed`, or throws a `BotError`. Cancelling the consuming task must stop the
/// provider's work promptly (the stream's `onTermination` is the usual place).
public protocol BotProvider: Sendable {
    /// Starts answering `request`.
    func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error>

    /// A cheap reachability check that never bills a model call.
    func health() async -> BotHealth

    /// Counters the gateway exports as metrics (`gateway_bot_upstream_connections_total`).
    var statistics: BotStatistics { get }

    /// Inputs beyond text this bot serves (none by default).
    var capabilities: BotCapabilities { get }

    /// Request parameters beyond BotKit's own that this bot takes as `extras` (none by
    /// default): the gateway passes those through and refuses any other unknown one.
    var acceptedExtras: Set<String> { get }

    /// Vectors for texts, for bots declaring `BotCapabilities.embeddings`; throws a
    /// `BotError` like `stream(_:)`.
    func embed(_ request: EmbeddingRequest) async throws -> Embeddings

    /// The input tokens `request` takes, counted by the model's own service; nil (the
    /// default) when the bot has no way to count, and the gateway estimates. Never bills a
    /// model call.
    func countTokens(_ request: BotRequest) async throws -> Int?
}

extension BotProvider {
    public var capabilities: BotCapabilities { [] }
    public var acceptedExtras: Set<String> { [] }
    public var statistics: BotStatistics { BotStatistics() }
    public func countTokens(_ request: BotRequest) async throws -> Int? { nil }
}

/// A provider whose stream ends with `BotError.timeout` at the request's deadline by
/// construction: `FunctionBot` (held by `BotAnswer`) and this package's transport bots
/// (libcurl's timeout is set from the deadline), each checked by the conformance kit. The
/// gateway reads their events directly; any other provider's go through its deadline
/// relay. Visible to this package only, so no plugin can claim it.
package protocol DeadlineBound: BotProvider {}

/// What a provider has done so far, for operators.
public struct BotStatistics: Sendable, Equatable {
    /// Connections opened to the upstream since the process started (0 for a local bot):
    /// far fewer than calls when connections are reused.
    public var upstreamConnectionsOpened: Int
    /// Calls running now (a `CallCounter`'s count): back to zero promptly once their
    /// readers are gone, which the conformance kit checks.
    public var activeCalls: Int
    /// The state of the provider's circuit breaker (nil: it has none).
    public var circuit: CircuitState?
    /// Each upstream of a bot served by several (empty: one, or none).
    public var deployments: [DeploymentStatistics] = []

    public init(upstreamConnectionsOpened: Int = 0, activeCalls: Int = 0, circuit: CircuitState? = nil) {
        self.upstreamConnectionsOpened = upstreamConnectionsOpened
        self.activeCalls = activeCalls
        self.circuit = circuit
    }
}

/// One upstream of a bot served by several: its share and what it served since the
/// process started.
public struct DeploymentStatistics: Sendable, Equatable {
    /// Its name among the bot's deployments (its position, from 1).
    public var name: String
    public var weight: Int
    /// Attempts sent to it, and those that failed.
    public var calls: Int
    public var failures: Int
    /// Attempts running on it now.
    public var activeCalls: Int
    public var circuit: CircuitState
    public var upstreamConnectionsOpened: Int

    public init(
        name: String, weight: Int, calls: Int, failures: Int, activeCalls: Int, circuit: CircuitState,
        upstreamConnectionsOpened: Int
    ) {
        self.name = name
        self.weight = weight
        self.calls = calls
        self.failures = failures
        self.activeCalls = activeCalls
        self.circuit = circuit
        self.upstreamConnectionsOpened = upstreamConnectionsOpened
    }
}

/// A circuit breaker's state, as operators see it.
public enum CircuitState: String, Sendable, Equatable, Codable {
    /// Calls pass.
    case closed
    /// The upstream is known to be down: calls fail at once until the cool-down ends.
    case open
    /// After the cool-down: one probe call is in flight; its outcome closes or reopens it.
    case halfOpen = "half_open"
}

/// The result of a health probe.
public struct BotHealth: Sendable, Equatable {
    public var healthy: Bool
    /// A short operator-facing detail ("ok", "connection refused", …); no secrets.
    public var detail: String

    public init(healthy: Bool, detail: String = "ok") {
        self.healthy = healthy
        self.detail = detail
    }

    public static let ok = BotHealth(healthy: true)
}

extension BotProvider {
    /// The collected stream: the whole reply at once.
    public func reply(_ request: BotRequest) async throws -> BotReply {
        var text = ""
        var calls = ToolCallAssembler()
        for try await event in stream(request) {
            switch event {
            case .delta(let piece): text += piece
            case .toolCall(let delta): calls.add(delta)
            case .completed(let completion): return BotReply(text: text, completion: completion, toolCalls: calls.calls)
            }
        }
        throw BotError.upstreamFailure(status: 0)
    }
}
