import BotKit
import EchoBot
import Foundation
import HTTPBot
import NIOConcurrencyHelpers
import WebhookBot

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps

/// Bot kinds for chat tests, registered beside the built-in ones:
/// - `probe`: answers with a JSON description of the request it received.
/// - `failing`: fails before any output with `BOT_<NAME>_ERROR` (`unavailable`, `timeout`, `rejected`).
/// - `midfail`: sends one delta, then fails.
/// - `slow`: sends a delta every 50 ms for 10 s and records when it is cancelled.
/// - `flood`: sends 64 KiB deltas as fast as they are taken until cancelled (counted).
/// - `gated`: answers like the echo bot once its gate opens (holds calls in flight): the
///   gate named by `BOT_<NAME>_GATE`, or `TestBots.gate`.
/// - `stubborn`: ignores its deadline and never answers (it only stops when cancelled).
enum TestBots {
    static let cancellations = NIOLockedValueBox(0)
    static let floodCancellations = NIOLockedValueBox(0)
    /// Holds `gated` bots' answers until a test opens it (once per process).
    static let gate = Gate()
    private static let gates = NIOLockedValueBox<[String: Gate]>([:])

    /// The gate of that name (`BOT_<NAME>_GATE`), made on first use; one test's own.
    static func gate(named name: String) -> Gate {
        gates.withLockedValue { gates in
            if let gate = gates[name] { return gate }
            let gate = Gate()
            gates[name] = gate
            return gate
        }
    }

    static var registry: BotRegistry {
        // The executable's kinds, named the same way it does, plus the test bots.
        var registry = BotRegistry()
        EchoBot.register(in: &registry)
        HTTPBot.register(in: &registry)
        WebhookBot.register(in: &registry)
        registry.register(kind: "probe") { _ in ProbeBot() }
        registry.register(kind: "eyes") { _ in EyesBot() }
        registry.register(kind: "form") { _ in FormBot() }
        registry.register(kind: "toolsy") { _ in ToolsyBot() }
        registry.register(kind: "extra") { _ in ExtraBot() }
        registry.register(kind: "failing") { config in
            let error: BotError =
                switch config.string("ERROR") ?? "unavailable" {
                case "timeout": .timeout
                case "rejected": .rejected("nope")
                case "rate": .rateLimited(retryAfterSeconds: 7)
                default: .unavailable("down")
                }
            return FailingBot(error: error)
        }
        registry.register(kind: "midfail") { _ in MidFailBot() }
        registry.register(kind: "slow") { _ in SlowBot() }
        registry.register(kind: "flood") { _ in FloodBot() }
        registry.register(kind: "stubborn") { _ in StubbornBot() }
        registry.register(kind: "gated") { config in GatedEchoBot(gate: config.string("GATE").map(gate(named:)) ?? gate) }
        registry.register(kind: "counted") { _ in CountedBot() }
        return registry
    }
}

struct ProbeBot: BotProvider {
    func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        let described = request.messages.map { "\($0.role.rawValue):\($0.content)" }.joined(separator: "|")
        return AsyncThrowingStream { continuation in
            continuation.yield(.delta(described))
            continuation.yield(.completed(BotCompletion(finishReason: .stop, usage: TokenUsage(inputTokens: 3, outputTokens: 5))))
            continuation.finish()
        }
    }
    func health() async -> BotHealth { .ok }
}

/// Declares images and answers with what it was shown: the count and each image's URL.
struct EyesBot: BotProvider {
    var capabilities: BotCapabilities { .images }
    func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        let images = request.messages.flatMap(\.images)
        let text = "\(images.count) image(s): " + images.map(\.url).joined(separator: " ")
        return BotAnswer.stream { writer in
            try writer.delta(text)
            return BotCompletion()
        }
    }
    func health() async -> BotHealth { .ok }
}

/// Declares structured output and answers with the format it was asked for, as JSON.
struct FormBot: BotProvider {
    var capabilities: BotCapabilities { .structuredOutput }
    func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        let format: String
        switch request.options.responseFormat {
        case .text: format = "text"
        case .jsonObject: format = "json_object"
        case .jsonSchema(let name, _, let strict): format = "json_schema:\(name):\(strict)"
        }
        return BotAnswer.stream { writer in
            try writer.delta(#"{"format":"\#(format)"}"#)
            return BotCompletion()
        }
    }
    func health() async -> BotHealth { .ok }
}

/// Declares tools: given tools, calls the first with `{"q": <the user's text>}` (streamed
/// in two pieces); given a tool's result, answers with it.
struct ToolsyBot: BotProvider {
    var capabilities: BotCapabilities { .tools }
    func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        BotAnswer.stream { writer in
            if let result = request.messages.last, result.role == .tool {
                try writer.delta("result: \(result.content) for \(result.toolCallID ?? "?")")
                return BotCompletion()
            }
            guard let tool = request.options.tools.first else {
                try writer.delta("no tools")
                return BotCompletion()
            }
            let arguments = JSONValue.object(["q": .string(request.lastUserMessage)]).jsonBytes
            let text = String(decoding: arguments, as: UTF8.self)
            let cut = text.index(text.startIndex, offsetBy: 3)
            try writer.toolCall(ToolCallDelta(index: 0, id: "call_42", name: tool.name, arguments: String(text[..<cut])))
            try writer.toolCall(ToolCallDelta(index: 0, arguments: String(text[cut...])))
            return BotCompletion(finishReason: .toolCalls)
        }
    }
    func health() async -> BotHealth { .ok }
}

/// Takes `top_k` through and answers with the extras it was given, as JSON.
struct ExtraBot: BotProvider {
    var acceptedExtras: Set<String> { ["top_k"] }
    func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        let extras = String(decoding: JSONValue.object(request.options.extras).jsonBytes, as: UTF8.self)
        return BotAnswer.stream { writer in
            try writer.delta(extras)
            return BotCompletion()
        }
    }
    func health() async -> BotHealth { .ok }
}

struct FailingBot: BotProvider {
    let error: BotError
    /// Takes tools, so a turn carrying tool results can fail too.
    var capabilities: BotCapabilities { .tools }
    func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        AsyncThrowingStream { $0.finish(throwing: error) }
    }
    func health() async -> BotHealth { BotHealth(healthy: false, detail: "down") }
}

struct MidFailBot: BotProvider {
    func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        AsyncThrowingStream { continuation in
            continuation.yield(.delta("partial answer"))
            continuation.finish(throwing: BotError.upstreamFailure(status: 502))
        }
    }
    func health() async -> BotHealth { .ok }
}

struct SlowBot: BotProvider {
    func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    // Until cancelled: however slow the machine, the stream is still open
                    // when a test looks at it.
                    while true {
                        try await Task.sleep(for: .milliseconds(50))
                        continuation.yield(.delta("tick "))
                    }
                } catch {
                    TestBots.cancellations.withLockedValue { $0 += 1 }
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
    func health() async -> BotHealth { .ok }
}

struct FloodBot: BotProvider {
    func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        let chunk = String(repeating: "x", count: 65536)
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: BotEvent.self, bufferingPolicy: .bufferingNewest(1))
        let task = Task {
            while Task.isCancelled == false {
                continuation.yield(.delta(chunk))
                try? await Task.sleep(for: .milliseconds(1))
            }
            TestBots.floodCancellations.withLockedValue { $0 += 1 }
            continuation.finish(throwing: CancellationError())
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
    func health() async -> BotHealth { .ok }
}

struct StubbornBot: BotProvider {
    func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                while Task.isCancelled == false { try? await Task.sleep(for: .milliseconds(20)) }
                continuation.finish(throwing: CancellationError())
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
    func health() async -> BotHealth { .ok }
}

/// A latch: `wait()` returns once `open()` was called.
final class Gate: Sendable {
    private let state = NIOLockedValueBox<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLockedValue { state in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLockedValue { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// The echo bot, once `TestBots.gate` is open.
struct GatedEchoBot: BotProvider {
    let gate: Gate

    func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        BotAnswer.stream { [gate] writer in
            await gate.wait()
            var completion = BotCompletion()
            for try await event in EchoBot().stream(request) {
                switch event {
                case .delta(let text): try writer.delta(text)
                case .completed(let done): completion = done
                default: break
                }
            }
            return completion
        }
    }
    func health() async -> BotHealth { .ok }
}
