import BotKit

/// A local, deterministic bot: answers with the user's last message (after an optional
/// prefix), streamed word by word. Usage is counted in words. No network, no state.
///
/// Settings (`BOT_ECHO_<KEY>` for the default bot, `BOT_<NAME>_<KEY>` for a named one):
/// - `PREFIX`: text put before the echoed message (default none).
/// - `DELAY_MS`: pause between words, to imitate a slow model (default 0).
public struct EchoBot: BotProvider {
    public let prefix: String
    public let delay: Duration
    /// The answer, written as one function (`respond`); BotKit runs it.
    private let bot: FunctionBot

    public init(prefix: String = "", delay: Duration = .zero) {
        self.prefix = prefix
        self.delay = delay
        bot = FunctionBot(
            capabilities: .embeddings, embed: { try Self.embed($0) },
            respond: { request, writer in
                try await Self.respond(to: request, writer: writer, prefix: prefix, delay: delay)
            })
    }

    /// Builds an echo bot from its configuration section.
    public init(configuration: BotConfiguration) throws {
        self.init(
            prefix: configuration.settings["PREFIX"] ?? "",
            delay: .milliseconds(try configuration.int("DELAY_MS", default: 0, range: 0...60_000)))
    }

    /// The echo bot's settings, for `.env.example`.
    static let settingsExample = """
        # Echo bot settings (the default bot when BOT_PROVIDER=echo):
        # BOT_ECHO_PREFIX=Echo:             # text before the echoed message
        # BOT_ECHO_DELAY_MS=0               # pause between streamed words (0–60000)
        """

    /// Registers the `echo` kind.
    public static func register(in registry: inout BotRegistry) {
        registry.register(kind: "echo", settingsExample: settingsExample) { try EchoBot(configuration: $0) }
    }

    /// The answer: the last user message after the prefix, word by word, each word after the
    /// delay; usage counted in words.
    static func respond(to request: BotRequest, writer: BotWriter, prefix: String, delay: Duration) async throws
        -> BotCompletion
    {
        let pieces = words(prefix + request.lastUserMessage)
        for piece in pieces {
            if delay > .zero { try await request.sleep(for: delay) }
            try writer.delta(piece)
        }
        try request.checkDeadline()
        let input = request.messages.reduce(0) { $0 + words($1.content).count }
        return BotCompletion(finishReason: .stop, usage: TokenUsage(inputTokens: input, outputTokens: pieces.count))
    }

    public func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> { bot.stream(request) }
    public func health() async -> BotHealth { .ok }
    public var statistics: BotStatistics { bot.statistics }
    public var capabilities: BotCapabilities { bot.capabilities }
    public func embed(_ request: EmbeddingRequest) async throws -> Embeddings { try await bot.embed(request) }

    /// Embeddings, locally and deterministically: a unit vector of 16 dimensions (or the
    /// asked number, up to 1024) from the text's bytes, so equal texts get equal vectors.
    static func embed(_ request: EmbeddingRequest) throws -> Embeddings {
        let size = min(max(request.dimensions ?? 16, 1), 1024)
        let vectors = request.inputs.map { text -> [Double] in
            var vector = [Double](repeating: 0, count: size)
            for (position, byte) in text.utf8.enumerated() {
                vector[(position &* 31 &+ Int(byte)) % size] += Double(byte % 17) + 1
            }
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return norm > 0 ? vector.map { $0 / norm } : vector
        }
        return Embeddings(vectors: vectors, inputTokens: request.inputs.reduce(0) { $0 + words($1).count })
    }

    /// Splits text into word-sized pieces that concatenate back to it: each piece is a
    /// word with the whitespace before it.
    public static func words(_ text: String) -> [String] {
        var pieces: [String] = []
        var current = ""
        var inWord = false
        for character in text {
            if character.isWhitespace {
                if inWord {
                    pieces.append(current)
                    current = ""
                    inWord = false
                }
            } else {
                inWord = true
            }
            current.append(character)
        }
        if current.isEmpty == false {
            if inWord || pieces.isEmpty { pieces.append(current) } else { pieces[pieces.count - 1] += current }
        }
        return pieces
    }
}

/// Its stream is its function bot's, held to the deadline by BotKit.
extension EchoBot: DeadlineBound {}
