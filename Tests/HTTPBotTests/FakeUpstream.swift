import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle
import TestSupport

/// A real HTTP server on loopback speaking the three wire formats. The `model` of a
/// request picks its behaviour: `ok`, `drip` (slow chunks), `hang`, `cut`, `malformed`,
/// `huge`, `status-<code>`, `flaky` (503 twice, then ok), `flood` (`floodPieces` streamed
/// deltas of 16 KB, as fast as the reader takes them).
final class FakeUpstream: Sendable {
    private let server = NIOLockedValueBox<LoopbackServer?>(nil)
    var port: Int { server.withLockedValue { $0?.port } ?? 0 }
    private let counts = NIOLockedValueBox<[String: Int]>([:])
    /// Connections whose response was still being written when the client went away.
    let abandoned = NIOLockedValueBox(0)
    /// Pieces of `flood` answers written so far.
    let flooded = NIOLockedValueBox(0)
    static let floodPieces = 4096
    /// TCP connections accepted so far.
    let connections = NIOLockedValueBox(0)
    private let lastRequest = NIOLockedValueBox(Data())
    /// The JSON body of the last chat request received.
    var lastBody: [String: Any] {
        (try? JSONSerialization.jsonObject(with: lastRequest.withLockedValue { $0 }) as? [String: Any]) ?? [:]
    }

    static func start() async throws -> FakeUpstream {
        let upstream = FakeUpstream()
        let router = upstream.router()
        let connections = upstream.connections
        var logger = Logger(label: "fake")
        logger.logLevel = .critical
        let server = try await LoopbackServer.start { running in
            Application(
                router: router,
                // The handler list is built once per accepted connection: counting its builds counts them.
                server: .http1(configuration: .init(additionalChannelHandlers: [ConnectionCounter(connections)])),
                configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: running, logger: logger)
        }
        upstream.server.withLockedValue { $0 = server }
        return upstream
    }

    private func router() -> Router<BasicRequestContext> {
        let router = Router()
        let counts = self.counts
        let abandoned = self.abandoned
        let lastRequest = self.lastRequest
        let flooded = self.flooded
        @Sendable func handle(_ request: Request, _ format: String) async throws -> Response {
            let data = try await request.body.collect(upTo: 1 << 20)
            let body = (try? JSONSerialization.jsonObject(with: Data(buffer: data)) as? [String: Any]) ?? [:]
            lastRequest.withLockedValue { $0 = Data(buffer: data) }
            let model = body["model"] as? String ?? "ok"
            let stream = body["stream"] as? Bool ?? false
            let count = counts.withLockedValue {
                $0[model, default: 0] += 1
                return $0[model]!
            }
            if model == "flood" { return FakeUpstream.flood(flooded) }
            return FakeUpstream.respond(format: format, model: model, stream: stream, attempt: count, abandoned: abandoned)
        }
        router.post("v1/chat/completions") { request, _ in try await handle(request, "openai") }
        router.post("v1/messages") { request, _ in try await handle(request, "anthropic") }
        router.post("api/chat") { request, _ in try await handle(request, "ollama") }
        router.post("v1/embeddings") { request, _ in
            let data = try await request.body.collect(upTo: 1 << 20)
            lastRequest.withLockedValue { $0 = Data(buffer: data) }
            return #"{"data":[{"index":1,"embedding":[0.5,0.5]},{"index":0,"embedding":[1,0]}],"usage":{"prompt_tokens":4}}"#
        }
        router.post("api/embed") { request, _ in
            let data = try await request.body.collect(upTo: 1 << 20)
            lastRequest.withLockedValue { $0 = Data(buffer: data) }
            return #"{"embeddings":[[1,0],[0.5,0.5]],"prompt_eval_count":4}"#
        }
        router.get("v1/models") { _, _ in #"{"data":[]}"# }
        router.get("api/tags") { _, _ in #"{"models":[]}"# }
        return router
    }

    func stop() { server.withLockedValue { $0?.stop() } }

    func calls(_ model: String) -> Int { counts.withLockedValue { $0[model, default: 0] } }

    var base: String { "http://127.0.0.1:\(port)" }

    static func respond(format: String, model: String, stream: Bool, attempt: Int, abandoned: NIOLockedValueBox<Int>) -> Response
    {
        if model.hasPrefix("status-"), let code = Int(model.dropFirst(7)) {
            var headers: HTTPFields = [.contentType: "application/json"]
            if code == 429 { headers[.retryAfter] = "1" }
            return Response(
                status: .init(code: code), headers: headers,
                body: .init(byteBuffer: ByteBuffer(string: #"{"error":{"message":"upstream says no, key sk-secret"}}"#)))
        }
        if model == "flaky" && attempt <= 2 { return Response(status: .serviceUnavailable) }
        let words = model == "huge" ? Array(repeating: "xxxxxxxxxx", count: 4_000) : ["Hello", " from", " \(format)"]
        let pieces =
            model == "tool" && format == "openai"
            ? toolCallChunks(stream: stream)
            : model == "tool" && format == "anthropic"
                ? toolUseChunks(stream: stream)
                : model == "tool"
                    ? ollamaToolChunks(stream: stream) : chunks(format: format, words: words, stream: stream || model == "huge")
        let delay: Duration = model == "drip" ? .milliseconds(150) : (model == "hang" ? .seconds(30) : .zero)
        return Response(
            status: .ok, headers: [.contentType: stream ? "text/event-stream" : "application/json"],
            body: ResponseBody { writer in
                do {
                    if model == "malformed" {
                        try await writer.write(ByteBuffer(string: stream ? "data: {not json\n\n" : "{not json"))
                        try await writer.finish(nil)
                        return
                    }
                    let drip = model == "drip" ? Array(repeating: pieces[1], count: 12) : []
                    for (index, piece) in ([pieces[0]] + drip + pieces.dropFirst()).enumerated() {
                        if delay > .zero { try await Task.sleep(for: delay) }
                        if model == "cut" && index == 2 { break }
                        try await writer.write(ByteBuffer(string: piece))
                    }
                    try await writer.finish(nil)
                } catch {
                    abandoned.withLockedValue { $0 += 1 }
                    throw error
                }
            })
    }

    /// A streamed OpenAI answer of `floodPieces` deltas, counted in `written` as each is written.
    static func flood(_ written: NIOLockedValueBox<Int>) -> Response {
        let pieces = chunks(format: "openai", words: [String(repeating: "x", count: 16_384)], stream: true)
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream"],
            body: ResponseBody { writer in
                for _ in 0..<floodPieces {
                    try await writer.write(ByteBuffer(string: pieces[0]))
                    written.withLockedValue { $0 += 1 }
                }
                for piece in pieces.dropFirst() { try await writer.write(ByteBuffer(string: piece)) }
                try await writer.finish(nil)
            })
    }

    /// An OpenAI answer calling `get_weather` for Paris, its arguments streamed in pieces.
    static func toolCallChunks(stream: Bool) -> [String] {
        func json(_ object: [String: Any]) -> String {
            String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }
        guard stream else {
            let call: [String: Any] = [
                "id": "call_1", "type": "function", "function": ["name": "get_weather", "arguments": #"{"city":"Paris"}"#],
            ]
            return [
                json([
                    "choices": [
                        [
                            "message": ["role": "assistant", "content": NSNull(), "tool_calls": [call]],
                            "finish_reason": "tool_calls",
                        ]
                    ],
                    "usage": ["prompt_tokens": 7, "completion_tokens": 5],
                ])
            ]
        }
        let first: [String: Any] = [
            "index": 0, "id": "call_1", "type": "function", "function": ["name": "get_weather", "arguments": ""],
        ]
        return [
            "data: " + json(["choices": [["delta": ["role": "assistant", "tool_calls": [first]], "finish_reason": NSNull()]]])
                + "\n\n",
            "data: " + json(["choices": [["delta": ["tool_calls": [["index": 0, "function": ["arguments": #"{"city":"#]]]]]]])
                + "\n\n",
            "data: " + json(["choices": [["delta": ["tool_calls": [["index": 0, "function": ["arguments": #""Paris"}"#]]]]]]])
                + "\n\n",
            "data: " + json(["choices": [["delta": [:], "finish_reason": "tool_calls"]]]) + "\n\ndata: [DONE]\n\n",
        ]
    }

    /// An Anthropic answer with a text block, then a `tool_use` of `get_weather` for Paris
    /// (its input streamed as `input_json_delta` pieces).
    static func toolUseChunks(stream: Bool) -> [String] {
        func json(_ object: [String: Any]) -> String {
            String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }
        guard stream else {
            return [
                json([
                    "content": [
                        ["type": "text", "text": "Let me check."],
                        ["type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": ["city": "Paris"]],
                    ],
                    "stop_reason": "tool_use", "usage": ["input_tokens": 7, "output_tokens": 5],
                ])
            ]
        }
        func event(_ object: [String: Any]) -> String { "event: \(object["type"]!)\ndata: " + json(object) + "\n\n" }
        return [
            event(["type": "message_start", "message": ["usage": ["input_tokens": 7, "output_tokens": 1]]]),
            event(["type": "content_block_start", "index": 0, "content_block": ["type": "text", "text": ""]]),
            event(["type": "content_block_delta", "index": 0, "delta": ["type": "text_delta", "text": "Let me check."]]),
            event(["type": "content_block_stop", "index": 0]),
            event([
                "type": "content_block_start", "index": 1,
                "content_block": ["type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": [:]],
            ]),
            event([
                "type": "content_block_delta", "index": 1, "delta": ["type": "input_json_delta", "partial_json": #"{"city":"#],
            ]),
            event([
                "type": "content_block_delta", "index": 1, "delta": ["type": "input_json_delta", "partial_json": #""Paris"}"#],
            ]),
            event(["type": "content_block_stop", "index": 1]),
            event(["type": "message_delta", "delta": ["stop_reason": "tool_use"], "usage": ["output_tokens": 5]])
                + event(["type": "message_stop"]),
        ]
    }

    /// An Ollama answer calling `get_weather` for Paris (whole, in one message).
    static func ollamaToolChunks(stream: Bool) -> [String] {
        func json(_ object: [String: Any]) -> String {
            String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }
        let call: [String: Any] = ["function": ["name": "get_weather", "arguments": ["city": "Paris"]]]
        let message: [String: Any] = ["role": "assistant", "content": "", "tool_calls": [call]]
        guard stream else {
            return [json(["message": message, "done": true, "done_reason": "stop", "prompt_eval_count": 7, "eval_count": 5])]
        }
        return [
            json(["message": message, "done": false]) + "\n",
            json([
                "message": ["role": "assistant", "content": ""], "done": true, "done_reason": "stop", "eval_count": 5,
                "prompt_eval_count": 7,
            ]) + "\n",
        ]
    }

    /// The response body split into the pieces written one by one.
    static func chunks(format: String, words: [String], stream: Bool) -> [String] {
        func json(_ object: [String: Any]) -> String {
            String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }
        switch (format, stream) {
        case ("openai", true):
            return words.map { "data: " + json(["choices": [["delta": ["content": $0], "finish_reason": NSNull()]]]) + "\n\n" }
                + [
                    "data: " + json(["choices": [["delta": [:], "finish_reason": "stop"]]]) + "\n\n",
                    "data: " + json(["choices": [], "usage": ["prompt_tokens": 7, "completion_tokens": words.count]])
                        + "\n\ndata: [DONE]\n\n",
                ]
        case ("openai", false):
            return [
                json([
                    "choices": [["message": ["role": "assistant", "content": words.joined()], "finish_reason": "stop"]],
                    "usage": ["prompt_tokens": 7, "completion_tokens": words.count],
                ])
            ]
        case ("anthropic", true):
            return [
                "event: message_start\ndata: "
                    + json(["type": "message_start", "message": ["usage": ["input_tokens": 7, "output_tokens": 1]]]) + "\n\n"
            ]
                + words.map {
                    "event: content_block_delta\ndata: "
                        + json(["type": "content_block_delta", "index": 0, "delta": ["type": "text_delta", "text": $0]]) + "\n\n"
                }
                + [
                    "event: message_delta\ndata: "
                        + json([
                            "type": "message_delta", "delta": ["stop_reason": "end_turn"],
                            "usage": ["output_tokens": words.count],
                        ]) + "\n\n",
                    "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
                ]
        case ("anthropic", false):
            return [
                json([
                    "content": [["type": "text", "text": words.joined()]], "stop_reason": "max_tokens",
                    "usage": ["input_tokens": 7, "output_tokens": words.count],
                ])
            ]
        default:
            let lines = words.map { json(["message": ["role": "assistant", "content": $0], "done": false]) + "\n" }
            let last = json([
                "message": ["role": "assistant", "content": ""], "done": true, "done_reason": "stop", "prompt_eval_count": 7,
                "eval_count": words.count,
            ])
            return stream
                ? lines + [last + "\n"]
                : [
                    json([
                        "message": ["role": "assistant", "content": words.joined()], "done": true, "prompt_eval_count": 7,
                        "eval_count": words.count,
                    ])
                ]
        }
    }
}

/// Counts the connections of a server: one is built for each connection it accepts.
final class ConnectionCounter: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = Never
    init(_ counter: NIOLockedValueBox<Int>) { counter.withLockedValue { $0 += 1 } }
}
