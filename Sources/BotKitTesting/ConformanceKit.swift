import BotKit

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
///   dripping upstream), so that cancellation and deadlines can be observed.
/// - `failingProvider`, when given, cannot answer (its upstream is down).
public struct ConformanceKit: Sendable {
    public let provider: any BotProvider
    public let slowProvider: any BotProvider
    public let failingProvider: (any BotProvider)?
    public let prompt: String
    /// How quickly cancellation and deadlines must take effect.
    public let promptness: Duration

    public init(
        provider: any BotProvider, slowProvider: any BotProvider, failingProvider: (any BotProvider)? = nil,
        prompt: String = "Hello from the conformance kit", promptness: Duration = .milliseconds(500)
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
    }

    func request(deadline: Duration = .seconds(30)) -> BotRequest {
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
            case .completed:
                completions += 1
            }
        }
        guard completions == 1 else { throw ConformanceFailure(check: name, problem: "\(completions) completions") }
        guard deltas > 0 else { throw ConformanceFailure(check: name, problem: "no text at all") }
    }

    /// `reply(_:)` returns the concatenated deltas and the stream's completion.
    public func collectedReplyEqualsDeltas() async throws {
        var text = ""
        var completion: BotCompletion?
        for try await event in provider.stream(request()) {
            switch event {
            case .delta(let piece): text += piece
            case .completed(let value): completion = value
            }
        }
        let reply = try await provider.reply(request())
        guard reply.text == text else {
            throw ConformanceFailure(
                check: "collected reply equals deltas", problem: "reply \"\(reply.text)\" vs deltas \"\(text)\"")
        }
        guard reply.completion.finishReason == completion?.finishReason else {
            throw ConformanceFailure(check: "collected reply equals deltas", problem: "finish reasons differ")
        }
    }

    /// Cancelling the consuming task ends the stream within `promptness`.
    public func cancellationStopsPromptly() async throws {
        let slow = slowProvider
        let request = request()
        let consumer = Task {
            for try await _ in slow.stream(request) {}
        }
        try await Task.sleep(for: .milliseconds(100))
        let cancelled = ContinuousClock.now
        consumer.cancel()
        _ = await consumer.result
        let took = ContinuousClock.now - cancelled
        guard took <= promptness else {
            throw ConformanceFailure(check: "cancellation stops promptly", problem: "took \(took)")
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

    /// A provider that cannot answer throws a `BotError`, nothing else.
    public func errorsAreBotErrors() async throws {
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
