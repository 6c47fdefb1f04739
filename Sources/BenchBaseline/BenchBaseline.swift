import Foundation
import Hummingbird
import Logging

/// `bench-baseline`: the benchmark's yardsticks, built in the same package as the gateway.
/// - `GET /live`: a bare Hummingbird "hello" (the ceiling the gateway's `/live` is compared with).
/// - `POST /v1/chat/completions`: a fast fake OpenAI upstream; model `fast` answers at once
///   (streamed or not), model `drip` streams one chunk every 500 ms for two minutes.
@main
struct BenchBaseline {
    static func main() async throws {
        let arguments = CommandLine.arguments
        let port = arguments.firstIndex(of: "--port").flatMap { Int(arguments[$0 + 1]) } ?? 8080
        let router = Router()
        router.get("live") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"status":"alive"}"#)))
        }
        router.get("v1/models") { _, _ in #"{"object":"list","data":[{"id":"fast"},{"id":"drip"}]}"# }
        router.post("v1/chat/completions") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]) ?? [:]
            return completion(model: object["model"] as? String ?? "fast", stream: object["stream"] as? Bool ?? false)
        }
        var logger = Logger(label: "bench-baseline")
        logger.logLevel = .warning
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
        try await app.runService()
    }

    static let words = ["Hello", " from", " the", " fake", " upstream."]

    static func chunk(_ text: String) -> String {
        #"data: {"choices":[{"index":0,"delta":{"content":"\#(text)"},"finish_reason":null}]}"# + "\n\n"
    }

    static let tail =
        #"data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"# + "\n\n"
        + #"data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":5}}"# + "\n\ndata: [DONE]\n\n"

    static func completion(model: String, stream: Bool) -> Response {
        guard stream else {
            let text = words.joined()
            let json =
                #"{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"\#(text)"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":5}}"#
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
        }
        let drip = model == "drip"
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream"],
            body: ResponseBody { writer in
                if drip {
                    try await writer.write(ByteBuffer(string: chunk("Hello")))
                    for _ in 0..<240 {
                        try await Task.sleep(for: .milliseconds(500))
                        try await writer.write(ByteBuffer(string: chunk(" drip")))
                    }
                } else {
                    try await writer.write(ByteBuffer(string: words.map(chunk).joined()))
                }
                try await writer.write(ByteBuffer(string: tail))
                try await writer.finish(nil)
            })
    }
}
