import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore
import TestSupport

/// An OpenAI-format model on loopback that answers every `POST /v1/chat/completions` with
/// the same status and body, after `delay` — for what a hostile or slow upstream sends. It
/// counts the requests it received.
final class FixedUpstream: Sendable {
    private let server = NIOLockedValueBox<LoopbackServer?>(nil)
    private let count = NIOLockedValueBox(0)

    var base: String { "http://127.0.0.1:\(server.withLockedValue { $0?.port } ?? 0)/v1" }
    /// Requests received so far.
    var requests: Int { count.withLockedValue { $0 } }

    static func start(status: HTTPResponse.Status = .ok, body: String, delay: Duration = .zero) async throws -> FixedUpstream {
        try await start(statuses: { _ in status }, body: body, delay: delay)
    }

    /// `statuses` gives the status of the n-th request (from 1).
    static func start(
        statuses: @escaping @Sendable (Int) -> HTTPResponse.Status, body: String, delay: Duration = .zero
    ) async throws -> FixedUpstream {
        let upstream = FixedUpstream()
        let router = Router()
        let count = upstream.count
        router.post("v1/chat/completions") { request, _ in
            _ = try await request.body.collect(upTo: 1 << 22)
            let number = count.withLockedValue {
                $0 += 1
                return $0
            }
            if delay > .zero { try await Task.sleep(for: delay) }
            return Response(
                status: statuses(number), headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        // Its health probe (OpenAI's model list) always answers.
        router.get("v1/models") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"object":"list","data":[]}"#)))
        }
        var logger = Logger(label: "fixed-upstream")
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

    /// A chat completion whose usage block is `usage` (raw JSON).
    static func completion(usage: String) -> String {
        #"{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":\#(usage)}"#
    }
}
