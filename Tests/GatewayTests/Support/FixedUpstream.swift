import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// An OpenAI-format model on loopback that answers every `POST /v1/chat/completions` with
/// the same status and body, after `delay` — for what a hostile or slow upstream sends. It
/// counts the requests it received.
final class FixedUpstream: Sendable {
    private let portBox = NIOLockedValueBox<Int?>(nil)
    private let count = NIOLockedValueBox(0)
    private let task: NIOLockedValueBox<Task<Void, any Error>?> = .init(nil)

    var base: String { "http://127.0.0.1:\(portBox.withLockedValue { $0 } ?? 0)/v1" }
    /// Requests received so far.
    var requests: Int { count.withLockedValue { $0 } }

    static func start(status: HTTPResponse.Status = .ok, body: String, delay: Duration = .zero) async throws -> FixedUpstream {
        let upstream = FixedUpstream()
        let router = Router()
        let count = upstream.count
        router.post("v1/chat/completions") { request, _ in
            _ = try await request.body.collect(upTo: 1 << 22)
            count.withLockedValue { $0 += 1 }
            if delay > .zero { try await Task.sleep(for: delay) }
            return Response(
                status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        let portBox = upstream.portBox
        var logger = Logger(label: "fixed-upstream")
        logger.logLevel = .critical
        let started = AsyncStream<Void>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portBox.withLockedValue { $0 = channel.localAddress?.port }
                started.continuation.finish()
            }, logger: logger)
        upstream.task.withLockedValue { $0 = Task { try await app.runService(gracefulShutdownSignals: []) } }
        for await _ in started.stream {}
        return upstream
    }

    func stop() { task.withLockedValue { $0?.cancel() } }

    /// A chat completion whose usage block is `usage` (raw JSON).
    static func completion(usage: String) -> String {
        #"{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":\#(usage)}"#
    }
}
