/// Texts to turn into vectors.
public struct EmbeddingRequest: Sendable {
    public var inputs: [String]
    /// The length the client asked for, when the model can shorten its vectors.
    public var dimensions: Int?
    /// The gateway's user id, for bots that attribute usage upstream.
    public var userID: String?
    public var deadline: ContinuousClock.Instant

    public init(inputs: [String], dimensions: Int? = nil, userID: String? = nil, deadline: ContinuousClock.Instant) {
        self.inputs = inputs
        self.dimensions = dimensions
        self.userID = userID
        self.deadline = deadline
    }
}

/// One vector per input, in order, and the input tokens they cost (when reported).
public struct Embeddings: Sendable, Equatable {
    public var vectors: [[Double]]
    public var inputTokens: Int?

    public init(vectors: [[Double]], inputTokens: Int? = nil) {
        self.vectors = vectors
        self.inputTokens = inputTokens
    }
}

extension BotProvider {
    /// Bots without `BotCapabilities.embeddings` are never asked; the gateway refuses first.
    public func embed(_ request: EmbeddingRequest) async throws -> Embeddings {
        throw BotError.rejected("this bot makes no embeddings")
    }
}
