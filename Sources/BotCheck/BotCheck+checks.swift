import BotKit
import BotKitTesting
import BotTransport
import BoundedJSON
import Foundation
import WebhookBot

extension BotCheck {
    /// `GET {url}/health` answers 2xx with a JSON object.
    func healthAnswers() async -> String? {
        let (status, answer) = await health()
        guard status != 0 else { return "no answer from \(url)\(WebhookProtocol.healthPath)" }
        guard (200..<300).contains(status) else { return "GET /health answered HTTP \(status)" }
        return answer == nil ? "GET /health did not answer a JSON object" : nil
    }

    /// A request without the secret is refused (401 or 403).
    func secretRequired() async -> String? {
        let exchange = await exchange(body(), withSecret: false)
        return [401, 403].contains(exchange.status) ? nil : "answered HTTP \(exchange.status) without the Bot-Secret header"
    }

    /// Text deltas, then exactly one `completed`, then the end of the stream.
    func oneCompletion() async -> String? {
        let exchange = await exchange(body())
        if let problem = exchange.problem { return problem }
        if let failure = exchange.failure { return "answered with an `error` event: \(failure)" }
        guard exchange.completed else { return "no `completed` event" }
        return exchange.deltas.isEmpty ? "no `text-delta` before `completed`" : nil
    }

    /// After the gateway closes a slow request, the bot stops working on it: its
    /// `active_calls` in `GET /health` is back where it was within `promptness`.
    func cancellationStops() async throws -> String? {
        guard let before = await health().answer?["active_calls"]?.int else {
            return "GET /health has no integer `active_calls`, so the bot's work cannot be observed"
        }
        let slow = await exchange(body(extra: ["conformance": "slow"])) { if case .delta = $0 { true } else { false } }
        guard slow.deltas.isEmpty == false else { return "the slow request sent no text (\(slow.problem ?? "nothing"))" }
        let closed = ContinuousClock.now
        var running: Int?
        while ContinuousClock.now - closed <= promptness {
            running = await health().answer?["active_calls"]?.int
            if let running, running <= before { return nil }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard let running else { return "GET /health did not answer within \(Self.ms(promptness)) of the cancellation" }
        return "still \(running) running call(s) \(Self.ms(promptness)) after the gateway closed the request (it was \(before))"
    }

    /// A slow answer asked with a short `deadline_ms` ends in time, with `error` `bot_timeout`.
    func deadlineHonoured() async -> String? {
        let deadline = Duration.milliseconds(500)
        let exchange = await exchange(
            body(deadline: deadline, extra: ["conformance": "slow"]), limit: deadline + promptness + .seconds(1))
        if exchange.took > deadline + promptness {
            return
                "a slow answer with deadline_ms 500 was still going after \(Self.ms(exchange.took)) (allowed: \(Self.ms(deadline + promptness)))"
        }
        if let problem = exchange.problem { return problem }
        guard exchange.failure == .timeout else {
            return "a slow answer with deadline_ms 500 ended without an `error` event `bot_timeout`"
        }
        return nil
    }

    /// A request whose deadline has passed gets an `error` event with one of BotKit's codes.
    func errorsAreBotErrors() async -> String? {
        let exchange = await exchange(body(deadline: .zero))
        if let problem = exchange.problem { return problem }
        return exchange.failure == nil ? "answered a request with deadline_ms 0 instead of an `error` event" : nil
    }

    /// Offered a `clock` tool it must call, the bot sends a call with an id and the name,
    /// arguments that are JSON, and `completed` with finish reason `tool_calls`.
    func toolCalls() async -> String? {
        let tools: JSONValue = [
            ["name": "clock", "description": "The current time", "parameters": ["type": "object", "properties": [:]]]
        ]
        let exchange = await exchange(
            body("What time is it?", extra: ["tools": tools, "tool_choice": ["name": "clock"]]))
        if let problem = exchange.problem { return problem }
        var assembler = ToolCallAssembler()
        var finish: FinishReason?
        for event in exchange.events {
            if case .toolCall(let piece) = event { assembler.add(piece) }
            if case .finish(let reason) = event { finish = reason }
        }
        let calls = assembler.calls
        guard let call = calls.first else { return "no `tool-call-delta` for a required tool" }
        guard call.name == "clock", call.id.isEmpty == false else { return "a call without an id or the tool's name" }
        guard (try? JSONReader.parse(Array(call.arguments.utf8))) != nil else { return "arguments that are not JSON" }
        return finish == .toolCalls ? nil : "finish reason \(finish?.rawValue ?? "none") instead of tool_calls"
    }

    static func ms(_ duration: Duration) -> String { "\(Int(duration / .milliseconds(1))) ms" }

    /// One of BotKit's conformance checks, through the `webhook` bot kind.
    func kit(_ check: @Sendable (ConformanceKit) async throws -> Void) async throws -> String? {
        let kit = ConformanceKit(provider: bot, slowProvider: bot, promptness: promptness)
        do {
            try await check(kit)
            return nil
        } catch let failure as ConformanceFailure {
            return failure.problem
        } catch let error as BotError {
            return "the call failed: \(error)"
        }
    }
}
