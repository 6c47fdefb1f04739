import BotKit
import Synchronization

/// A check of the conformance kit failed; `description` says which and why.
public struct ConformanceFailure: Error, CustomStringConvertible {
    public let check: String
    public let problem: String
    public var description: String { "\(check): \(problem)" }
}

/// Reusable checks every `BotProvider` should pass. Run them from the provider's own
/// tests, e.g. `try await ConformanceKit(provider: bot, slowProvider: slowBot).runAll()`.
///
/// - `provider` answers `prompt` normally.
/// - `slowProvider` takes at least a second to finish answering (a slow model, a
///   dripping upstream), so that cancellation and deadlines can be observed; it reports
///   its running calls (`BotStatistics.activeCalls`, e.g. through `BotAnswer`'s
///   `CallCounter`), so the kit sees cancellation stop the work, not only the stream.
/// - `failingProvider`, when given, cannot answer (its upstream is down). Every provider
///   is also asked past its deadline, which must fail as a `BotError` too.
public struct ConformanceKit: Sendable {
    public let provider: any BotProvider
    public let slowProvider: any BotProvider
    public let failingProvider: (any BotProvider)?
    public let prompt: String
    /// How quickly cancellation and deadlines must take effect: 1 s by default, the grace
    /// the gateway gives a bot past its deadline (and `gateway bot-check`'s default).
    public let promptness: Duration

    public init(
        provider: any BotProvider, slowProvider: any BotProvider, failingProvider: (any BotProvider)? = nil,
        prompt: String = "Hello from the conformance kit", promptness: Duration = .seconds(1)
    ) {
        self.provider = provider
        self.slowProvider = slowProvider
        self.failingProvider = failingProvider
        self.prompt = prompt
        self.promptness = promptness
    }

    /// Every check, in order; throws the first failure.
    public func runAll() async throws {
        try await streamEndsWithExactlyOneCompletion()
        try await collectedReplyEqualsDeltas()
        try await cancellationStopsPromptly()
        try await deadlineIsHonoured()
        try await errorsAreBotErrors()
        try await capabilitiesAreHonoured()
    }

    /// What a provider declares holds: one that does not declare `tools` calls none, and
    /// one that declares `embeddings` returns one non-empty vector per input.
    public func capabilitiesAreHonoured() async throws {
        let name = "capabilities are honoured"
        if provider.capabilities.contains(.tools) == false {
            for try await event in provider.stream(request()) {
                if case .toolCall = event {
                    throw ConformanceFailure(check: name, problem: "a tool call without the tools capability")
                }
            }
        }
        if provider.capabilities.contains(.embeddings) {
            let inputs = ["first text", "second text"]
            let result = try await provider.embed(EmbeddingRequest(inputs: inputs, deadline: .now + .seconds(30)))
            guard result.vectors.count == inputs.count, result.vectors.allSatisfy({ $0.isEmpty == false }) else {
                throw ConformanceFailure(check: name, problem: "\(result.vectors.count) vectors for \(inputs.count) inputs")
            }
        }
    }

    /// The request every check sends (`prompt` after a short system message).
    public func request(deadline: Duration = .seconds(30)) -> BotRequest {
        BotRequest(
            messages: [ChatMessage(role: .system, content: "Be brief."), ChatMessage(role: .user, content: prompt)],
            userID: "conformance", conversationID: "conformance", options: GenerationOptions(maxTokens: 64),
            deadline: .now + deadline)
    }

    /// Deltas only, then exactly one `.completed`, then the end of the stream.
    public func streamEndsWithExactlyOneCompletion() async throws {
        let name = "stream ends with exactly one completion"
        var completions = 0
        var deltas = 0
        for try await event in provider.stream(request()) {
            switch event {
            case .delta:
                guard completions == 0 else { throw ConformanceFailure(check: name, problem: "a delta after the completion") }
                deltas += 1
            case .toolCall:
                guard completions == 0 else {
                    throw ConformanceFailure(check: name, problem: "a tool call after the completion")
                }
            case .completed:
                completions += 1
            }
        }
        guard completions == 1 else { throw ConformanceFailure(check: name, problem: "\(completions) completions") }
        guard deltas > 0 else { throw ConformanceFailure(check: name, problem: "no text at all") }
    }

    /// Within one generation, the deltas concatenate to the collected reply (`BotReply`,
    /// what `reply(_:)` returns) and the completion is the stream's: no empty delta, no
    /// text lost between the stream and the reply.
    public func collectedReplyEqualsDeltas() async throws {
        let name = "collected reply equals deltas"
        var events: [BotEvent] = []
        for try await event in provider.stream(request()) { events.append(event) }
        let pieces = events.compactMap { event -> String? in
            if case .delta(let piece) = event { return piece } else { return nil }
        }
        guard pieces.contains(where: \.isEmpty) == false else { throw ConformanceFailure(check: name, problem: "an empty delta") }
        let reply = try BotReply(collecting: events)
        guard reply.text == pieces.joined() else {
            throw ConformanceFailure(check: name, problem: "reply \"\(reply.text)\" vs deltas \"\(pieces.joined())\"")
        }
        guard case .completed(let completion)? = events.last, reply.completion == completion else {
            throw ConformanceFailure(check: name, problem: "the reply's completion is not the stream's last event")
        }
    }

    /// Cancelling the consuming task ends the stream and the provider's work (its
    /// running calls back to what they were) within `promptness`.
    public func cancellationStopsPromptly() async throws {
        let name = "cancellation stops promptly"
        let slow = slowProvider
        let request = request()
        let before = slow.statistics.activeCalls
        let heard = Flag()
        let consumer = Task {
            defer { heard.set() }
            for try await _ in slow.stream(request) { heard.set() }
        }
        // Until the call is reported running; once the consumer has heard from it (an event
        // or the end) without that, it is not reported.
        let deadline = ContinuousClock.now + .seconds(30)
        while slow.statistics.activeCalls <= before, heard.isSet == false, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        guard slow.statistics.activeCalls > before else {
            consumer.cancel()
            throw ConformanceFailure(
                check: name, problem: "the provider does not report its running call (BotStatistics.activeCalls)")
        }
        let cancelled = ContinuousClock.now
        consumer.cancel()
        _ = await consumer.result
        while slow.statistics.activeCalls > before, ContinuousClock.now - cancelled <= promptness {
            try await Task.sleep(for: .milliseconds(5))
        }
        let took = ContinuousClock.now - cancelled
        guard took <= promptness else {
            throw ConformanceFailure(check: name, problem: "the provider kept working \(took) after cancellation")
        }
    }

    /// A deadline that passes mid-answer ends the stream with `BotError.timeout` in time.
    public func deadlineIsHonoured() async throws {
        let name = "deadline is honoured"
        let budget = Duration.milliseconds(300)
        let started = ContinuousClock.now
        do {
            for try await _ in slowProvider.stream(request(deadline: budget)) {}
            throw ConformanceFailure(check: name, problem: "the slow provider finished before its deadline")
        } catch BotError.timeout {
            let took = ContinuousClock.now - started
            guard took <= budget + promptness else { throw ConformanceFailure(check: name, problem: "took \(took)") }
        } catch let failure as ConformanceFailure {
            throw failure
        } catch {
            throw ConformanceFailure(check: name, problem: "threw \(error) instead of BotError.timeout")
        }
    }

    /// A provider asked past its deadline, and one that cannot answer, throw a
    /// `BotError`, nothing else; the one that cannot answer reports itself unhealthy.
    public func errorsAreBotErrors() async throws {
        do {
            _ = try await provider.reply(request(deadline: .zero))
            throw ConformanceFailure(check: "errors are BotErrors", problem: "answered past its deadline")
        } catch is BotError {
            // expected
        } catch let failure as ConformanceFailure {
            throw failure
        } catch {
            throw ConformanceFailure(check: "errors are BotErrors", problem: "past its deadline threw \(type(of: error))")
        }
        guard let failing = failingProvider else { return }
        do {
            _ = try await failing.reply(request(deadline: .seconds(10)))
            throw ConformanceFailure(check: "errors are BotErrors", problem: "the failing provider answered")
        } catch is BotError {
            // expected
        } catch let failure as ConformanceFailure {
            throw failure
        } catch {
            throw ConformanceFailure(check: "errors are BotErrors", problem: "threw \(type(of: error)): \(error)")
        }
        let health = await failing.health()
        guard health.healthy == false else {
            throw ConformanceFailure(check: "errors are BotErrors", problem: "the failing provider reports healthy")
        }
    }
}

/// Set by one task, read by another.
private final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
