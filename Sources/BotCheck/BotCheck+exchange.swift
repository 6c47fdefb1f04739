import BotKit
import BotTransport
import Foundation
import WebhookBot

/// A raw protocol exchange, as the checks read it.
struct Exchange {
    var status = 0
    var events: [WireEvent] = []
    /// Why the answer is not valid protocol (a parser or transport failure, an HTTP error).
    var problem: String?
    /// From the request to the end of the answer.
    var took: Duration = .zero
    var deltas: [String] { events.compactMap { if case .delta(let text) = $0 { text } else { nil } } }
    var failure: BotError? { events.lazy.compactMap { if case .failure(let error) = $0 { error } else { nil } }.first }
    var completed: Bool { events.contains(.done) }
}

extension BotCheck {
    /// A request body with one user message; `extra` members added (`conformance`, tools…).
    func body(_ text: String = "Hello from bot-check", deadline: Duration = .seconds(30), extra: [String: JSONValue] = [:])
        -> JSONValue
    {
        let request = BotRequest(
            messages: [ChatMessage(role: .user, content: text)], userID: "bot-check", conversationID: "bot-check",
            deadline: .now + deadline)
        var body = WebhookProtocol.body(request, requestID: UUID().uuidString.lowercased())
        for (key, value) in extra { body[key] = value }
        return body
    }

    /// POSTs `body` and reads the answer until it ends, `limit` passes, or `stop` says so
    /// after an event (the request is then closed, as the gateway closes it on cancel).
    func exchange(
        _ body: JSONValue, limit: Duration = .seconds(30), withSecret: Bool = true,
        stop: (WireEvent) -> Bool = { _ in false }
    ) async -> Exchange {
        var result = Exchange()
        let started = ContinuousClock.now
        let spec = client.transfer(
            url, headers: WebhookProtocol.headers(requestID: "bot-check", secret: withSecret ? secret : nil),
            body: body.jsonBytes, deadline: started + limit)
        var parser = WebhookEventParser()
        do {
            reading: for try await event in client.transport.start(spec) {
                switch event {
                case .head(let status, _): result.status = status
                case .body where result.status >= 300: continue
                case .body(let bytes):
                    for event in try parser.feed(bytes) {
                        result.events.append(event)
                        if stop(event) { break reading }
                    }
                }
            }
            if result.status >= 300 || result.status < 200 {
                result.problem = "HTTP \(result.status)"
            } else if result.events.last.map(stop) != true {
                result.events += try parser.finish()
            }
        } catch let error as WireError {
            result.problem = Self.describe(error)
        } catch {
            result.problem = "\(error)"
        }
        result.took = ContinuousClock.now - started
        return result
    }

    /// `GET {url}/health`: the status and the JSON answer (nil when not a JSON object).
    func health() async -> (status: Int, answer: JSONValue?) {
        let spec = client.transfer(
            url + WebhookProtocol.healthPath, method: "GET",
            headers: WebhookProtocol.healthHeaders(secret: secret),
            deadline: .now + .seconds(5))
        var status = 0
        var bytes: [UInt8] = []
        do {
            for try await event in client.transport.start(spec) {
                switch event {
                case .head(let code, _): status = code
                case .body(let chunk): bytes += chunk
                }
            }
        } catch {
            return (0, nil)
        }
        return (status, try? UpstreamJSON.object(bytes))
    }

    static func describe(_ error: WireError) -> String {
        switch error {
        case .malformed(let why): why
        case .upstream(let why): why
        }
    }
}
