/// A bot written as one function: `respond` writes the answer's deltas (and tool calls) to
/// the writer and returns the completion.
///
/// ```swift
/// registry.register(kind: "shout") { request, writer in
///     try writer.delta(request.lastUserMessage.uppercased())
///     return BotCompletion(finishReason: .stop)
/// }
/// ```
///
/// BotKit owns the rest: the stream (exactly one completion, by construction), the task the
/// function runs in (cancelled with its reader), the deadline (the stream ends with
/// `BotError.timeout` when it passes, whatever the function awaits) and the count of
/// running calls (`statistics`). `health()` answers ok unless a probe is given; embeddings
/// come from `embed` when given (declare `.embeddings` in `capabilities`).
public struct FunctionBot: BotProvider {
    /// The answer to one request.
    public typealias Respond = @Sendable (_ request: BotRequest, _ writer: BotWriter) async throws -> BotCompletion
    /// Vectors for one embeddings request.
    public typealias Embed = @Sendable (_ request: EmbeddingRequest) async throws -> Embeddings

    public let capabilities: BotCapabilities
    public let acceptedExtras: Set<String>
    private let respond: Respond
    private let probe: @Sendable () async -> BotHealth
    private let embedder: Embed?
    private let calls = CallCounter()

    public init(
        capabilities: BotCapabilities = [], acceptedExtras: Set<String> = [],
        health: @escaping @Sendable () async -> BotHealth = { .ok }, embed: Embed? = nil, respond: @escaping Respond
    ) {
        self.capabilities = capabilities
        self.acceptedExtras = acceptedExtras
        self.probe = health
        self.embedder = embed
        self.respond = respond
    }

    public func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        let respond = self.respond
        return BotAnswer.stream(counting: calls, until: request.deadline) { writer in
            try request.checkDeadline()
            return try await respond(request, writer)
        }
    }

    public func health() async -> BotHealth { await probe() }

    public var statistics: BotStatistics { BotStatistics(activeCalls: calls.running) }

    public func embed(_ request: EmbeddingRequest) async throws -> Embeddings {
        guard let embedder else { throw BotError.rejected("this bot makes no embeddings") }
        guard request.deadline > .now else { throw BotError.timeout }
        return try await embedder(request)
    }
}

/// Held to its deadline by `BotAnswer`.
extension FunctionBot: DeadlineBound {}

extension BotRegistry {
    /// Registers a bot kind written as one function (see `FunctionBot`); its settings, if
    /// any, are read by the factory form instead.
    public mutating func register(kind: String, settingsExample: String? = nil, respond: @escaping FunctionBot.Respond) {
        register(kind: kind, settingsExample: settingsExample) { _ in FunctionBot(respond: respond) }
    }
}
