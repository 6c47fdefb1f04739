import BotKit
import BoundedJSON
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import TestSupport

/// A model on loopback that speaks OpenAI's chat completions and Anthropic's messages,
/// streamed or not, and answers from what it was sent: given tools (and no tool result
/// yet) it calls the first with `{"q": <the user's text>}`; given a tool result it answers
/// `result: <it>`; given images it says how many; given a JSON format it answers JSON.
/// It keeps every request body, so a test can check the wire format the gateway sent.
final class ModelUpstream: Sendable {
    private let server = NIOLockedValueBox<LoopbackServer?>(nil)
    private let bodies = NIOLockedValueBox<[[String: JSONValue]]>([])
    private let traceparents = NIOLockedValueBox<[String]>([])
    private let counts = NIOLockedValueBox<[[String: JSONValue]]>([])

    var base: String { "http://127.0.0.1:\(server.withLockedValue { $0?.port } ?? 0)" }
    /// The request bodies received, oldest first.
    var received: [[String: JSONValue]] { bodies.withLockedValue { $0 } }
    /// The bodies of token counts received (Anthropic's `count_tokens`), oldest first.
    var receivedCounts: [[String: JSONValue]] { counts.withLockedValue { $0 } }
    /// The `traceparent` headers received, oldest first.
    var receivedTraceparents: [String] { traceparents.withLockedValue { $0 } }

    static func start() async throws -> ModelUpstream {
        let upstream = ModelUpstream()
        let router = Router()
        router.post("v1/chat/completions") { request, _ in try await upstream.answer(request, anthropic: false) }
        router.post("v1/messages") { request, _ in try await upstream.answer(request, anthropic: true) }
        // Anthropic's count: every count is 4242 tokens, so a test tells it from an estimate.
        router.post("v1/messages/count_tokens") { request, _ in
            let data = try await request.body.collect(upTo: 1 << 22)
            if case .object(let body) = try JSONReader.parse(Array(buffer: data)) {
                upstream.counts.withLockedValue { $0.append(body) }
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"input_tokens":4242}"#)))
        }
        var logger = Logger(label: "model-upstream")
        logger.logLevel = .critical
        let server = try await LoopbackServer.start { running in
            Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: running,
                logger: logger)
        }
        upstream.server.withLockedValue { $0 = server }
        return upstream
    }

    func stop() { server.withLockedValue { $0?.stop() } }

    private func answer(_ request: Request, anthropic: Bool) async throws -> Response {
        let data = try await request.body.collect(upTo: 1 << 22)
        guard case .object(let body) = try JSONReader.parse(Array(buffer: data)) else { return Response(status: .badRequest) }
        bodies.withLockedValue { $0.append(body) }
        if let parent = request.headers[HTTPField.Name("traceparent")!] { traceparents.withLockedValue { $0.append(parent) } }
        let reply = Self.reply(body, anthropic: anthropic)
        let stream = body["stream"] == .bool(true)
        // A prompt with cache breakpoints reads 5 tokens from Anthropic's cache and writes 7.
        let cached = String(decoding: JSONValue.object(body).jsonBytes, as: UTF8.self).contains("\"cache_control\"")
        let text =
            anthropic
            ? AnthropicWire.render(reply, stream: stream, cached: cached) : OpenAIWire.render(reply, stream: stream)
        return Response(
            status: .ok, headers: [.contentType: stream ? "text/event-stream" : "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// What the model says: text, or one tool call.
    enum Reply {
        case text(String)
        case call(name: String, arguments: String)
    }

    static func reply(_ body: [String: JSONValue], anthropic: Bool) -> Reply {
        let messages = body["messages"]?.array ?? []
        let last = messages.last
        let blocks = last?["content"]?.array ?? []
        if last?["role"] == .string("tool") { return .text("result: \(last?["content"]?.string ?? "")") }
        if let result = blocks.first(where: { $0["type"] == .string("tool_result") }) {
            return .text("result: \(result["content"]?.string ?? "")")
        }
        let images = blocks.filter { $0["type"] == .string("image_url") || $0["type"] == .string("image") }.count
        if images > 0 { return .text("I see \(images) image(s)") }
        let userText =
            last?["content"]?.string
            ?? blocks.compactMap { $0["type"] == .string("text") ? $0["text"]?.string : nil }.joined()
        if let tool = body["tools"]?.array?.first {
            let name = (anthropic ? tool["name"] : tool["function"]?["name"])?.string ?? "?"
            return .call(
                name: name, arguments: String(decoding: JSONValue.object(["q": .string(userText)]).jsonBytes, as: UTF8.self))
        }
        if body["response_format"] != nil { return .text(#"{"answer":"json"}"#) }
        return .text("echo: \(userText)")
    }
}
