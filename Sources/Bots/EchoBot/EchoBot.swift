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
    /// Answers running now.
    let calls = CallCounter()

    public init(prefix: String = "", delay: Duration = .zero) {
        self.prefix = prefix
        self.delay = delay
    }

    /// Builds an echo bot from its configuration section.
    public init(configuration: BotConfiguration) throws {
        prefix = configuration.settings["PREFIX"] ?? ""
        delay = .milliseconds(try configuration.int("DELAY_MS", default: 0, range: 0...60_000))
    }

    /// Registers the `echo` kind.
    /// The echo bot's settings, for `.env.example`.
    static let settingsExample = """
        # Echo bot settings (the default bot when BOT_PROVIDER=echo):
        # BOT_ECHO_PREFIX=Echo:             # text before the echoed message
        # BOT_ECHO_DELAY_MS=0               # pause between streamed words (0–60000)
        """

    public static func register(in registry: inout BotRegistry) {
        registry.register(kind: "echo", settingsExample: settingsExample) { try EchoBot(configuration: $0) }
    }

    public func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        let pieces = Self.words(prefix + request.lastUserMessage)
        let input = request.messages.reduce(0) { $0 + Self.words($1.content).count }
        let delay = self.delay
        if delay == .zero {
            // Nothing to wait for: the whole answer is buffered in the stream at once,
            // without a task of its own.
            return AsyncThrowingStream { continuation in
                do {
                    try request.checkDeadline()
                    for piece in pieces { continuation.yield(.delta(piece)) }
                    let usage = TokenUsage(inputTokens: input, outputTokens: pieces.count)
                    continuation.yield(.completed(BotCompletion(finishReason: .stop, usage: usage)))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: BotError.wrap(error))
                }
            }
        }
        return BotAnswer.stream(counting: calls) { writer in
            for piece in pieces {
                try await request.sleep(for: delay)
                try writer.delta(piece)
            }
            try request.checkDeadline()
            return BotCompletion(finishReason: .stop, usage: TokenUsage(inputTokens: input, outputTokens: pieces.count))
        }
    }

    public func health() async -> BotHealth { .ok }

    public var statistics: BotStatistics { BotStatistics(activeCalls: calls.running) }

    /// Embeddings, locally and deterministically: a unit vector of 16 dimensions (or the
    /// asked number, up to 1024) from the text's bytes, so equal texts get equal vectors.
    public var capabilities: BotCapabilities { .embeddings }

    public func embed(_ request: EmbeddingRequest) async throws -> Embeddings {
        guard request.deadline > .now else { throw BotError.timeout }
        let size = min(max(request.dimensions ?? 16, 1), 1024)
        let vectors = request.inputs.map { text -> [Double] in
            var vector = [Double](repeating: 0, count: size)
            for (position, byte) in text.utf8.enumerated() {
                vector[(position &* 31 &+ Int(byte)) % size] += Double(byte % 17) + 1
            }
            let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return norm > 0 ? vector.map { $0 / norm } : vector
        }
        return Embeddings(vectors: vectors, inputTokens: request.inputs.reduce(0) { $0 + Self.words($1).count })
    }

    /// Checks its deadline before each word (the conformance kit verifies it).
    public var honoursDeadline: Bool { true }

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
