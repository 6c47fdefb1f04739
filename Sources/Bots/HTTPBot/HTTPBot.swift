import BotKit
import Foundation
import Logging

/// A remote model behind an HTTP API (OpenAI-compatible, Anthropic or Ollama), spoken
/// to over libcurl. Retries connect failures, 429 and 5xx before any output reached
/// the client, with exponential backoff and jitter; a circuit breaker fails fast while
/// the upstream is down. Registered as kind `http`; settings in `HTTPBotSettings`.
public struct HTTPBot: BotProvider {
    public let settings: HTTPBotSettings
    let format: any WireFormat
    let breaker: CircuitBreaker
    let logger: Logger
    /// Upstream connections opened by this bot's transfers.
    let connections = LockedCounter()
    /// Calls running now.
    let calls = CallCounter()
    /// The process's transport; libcurl and its driver thread start with the first call,
    /// so configured but unused bots cost no memory or thread.
    var transport: CurlTransport { .shared }

    /// - Parameter logger: where upstream failures are logged (default: the process's
    ///   logging system, label `gateway.bot`).
    public init(settings: HTTPBotSettings, name: String = "http", logger: Logger? = nil) {
        self.settings = settings
        switch settings.api {
        case .openai: format = OpenAIFormat()
        case .anthropic: format = AnthropicFormat()
        case .ollama: format = OllamaFormat()
        }
        breaker = CircuitBreaker(threshold: settings.breakerFailures, cooldown: settings.breakerCooldown)
        var logger = logger ?? Logger(label: "gateway.bot")
        logger[metadataKey: "bot"] = .string(name)
        self.logger = logger
    }

    /// Registers the `http` kind.
    public static func register(in registry: inout BotRegistry) {
        registry.register(kind: "http", settingsExample: HTTPBotSettings.example) {
            HTTPBot(settings: try HTTPBotSettings($0), name: $0.name)
        }
    }

    public func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        // The deadline needs no watchdog of its own: libcurl's total timeout is set from it
        // for every transfer, and a backoff that would pass it is not taken.
        // A reader that is gone cancels the call's task, which removes its transfer.
        BotAnswer.stream(counting: calls) { writer in
            try await run(request) { output in
                switch output {
                case .text(let piece): try? writer.delta(piece)
                case .toolCall(let piece): try? writer.toolCall(piece)
                }
            }
        }
    }

    /// One call with retries; `emit` receives the text deltas and tool-call pieces.
    func run(_ request: BotRequest, emit: (Output) -> Void) async throws -> BotCompletion {
        guard breaker.allow() else { throw BotError.unavailable("circuit open") }
        var attempt = 0
        while true {
            attempt += 1
            var emitted = false
            do {
                let completion = try await once(request) { piece in
                    emitted = true
                    emit(piece)
                }
                breaker.recordSuccess()
                return completion
            } catch let failure as AttemptFailure {
                if failure.countsAgainstUpstream { breaker.recordFailure() } else { breaker.recordNeutral() }
                let retryable = failure.retryable && emitted == false && attempt <= settings.retries
                guard retryable, let wait = backoff(attempt: attempt, retryAfter: failure.retryAfter, deadline: request.deadline)
                else {
                    throw failure.error
                }
                logger.notice("retrying upstream call", metadata: ["attempt": "\(attempt)", "error": "\(failure.error)"])
                do { try await Task.sleep(for: wait) } catch {
                    breaker.recordNeutral()
                    throw error
                }
                guard breaker.allow() else { throw BotError.unavailable("circuit open") }
            } catch {
                breaker.recordNeutral()
                throw error
            }
        }
    }

    /// The wait before the next attempt, or nil when it would pass the deadline.
    func backoff(attempt: Int, retryAfter: Int?, deadline: ContinuousClock.Instant) -> Duration? {
        let exponential = settings.retryBase * (1 << min(attempt - 1, 16))
        let jittered = exponential * Double.random(in: 0.5...1.0)
        let wait = retryAfter.map { Duration.seconds(min($0, 120)) } ?? jittered
        return ContinuousClock.now + wait < deadline ? wait : nil
    }

    /// libcurl's timeout is set from the deadline (the conformance kit verifies it).
    public var honoursDeadline: Bool { true }

    /// Images, in each API's own shape (Ollama: base64 data only); structured output where
    /// the API has it (OpenAI's `response_format`, Ollama's `format`; Anthropic has none);
    /// tools on all three (Ollama: `auto` choice only; it has no other); embeddings on
    /// OpenAI-compatible and Ollama APIs.
    public var capabilities: BotCapabilities {
        switch settings.api {
        case .openai: [.images, .structuredOutput, .tools, .embeddings]
        case .ollama: [.images, .structuredOutput, .tools, .embeddings]
        case .anthropic: [.images, .tools]
        }
    }

    /// The members `EXTRAS` lets clients pass through.
    public var acceptedExtras: Set<String> { settings.extras }

    public var statistics: BotStatistics {
        BotStatistics(upstreamConnectionsOpened: connections.current, activeCalls: calls.running)
    }

    public func health() async -> BotHealth {
        if case .open = breaker.current { return BotHealth(healthy: false, detail: "circuit open") }
        let probe = TransportRequest(
            url: settings.baseURL + format.healthPath, method: "GET",
            headers: format.authHeaders(settings) + settings.extraHeaders,
            connectTimeout: .seconds(2), idleTimeout: .seconds(2), deadline: .now + .seconds(3), maxResponseBytes: 1 << 20,
            caFile: settings.caFile, connections: connections)
        do {
            for try await event in transport.start(probe) {
                if case .head(let status, _) = event {
                    return status < 400 ? .ok : BotHealth(healthy: false, detail: "HTTP \(status)")
                }
            }
            return BotHealth(healthy: false, detail: "no response")
        } catch {
            return BotHealth(healthy: false, detail: "\(error)")
        }
    }
}
