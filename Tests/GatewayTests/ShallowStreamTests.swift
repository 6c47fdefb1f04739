import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps

/// A chat stream's answer is prepared in a child task and written in the connection's.
@Suite struct ShallowStreamTests {
    @Test func streamingRoutesArePreparedInAChildTaskAndWrittenInTheConnections() async throws {
        let router = Router(context: AppRequestContext.self)
        router.add(middleware: ShallowStreamMiddleware())
        let answer: @Sendable (Request, AppRequestContext) async throws -> Response = { _, _ in
            let prepared = withUnsafeCurrentTask { $0?.hashValue }
            return Response(
                status: .ok,
                body: ResponseBody { writer in
                    let writing = withUnsafeCurrentTask { $0?.hashValue }
                    try await writer.write(ByteBuffer(string: prepared == writing ? "same task" : "child task"))
                    try await writer.finish(nil)
                })
        }
        router.post("/api/v1/chat/stream", use: answer)
        router.post("/api/v1/chat", use: answer)
        try await Application(router: router).test(.live) { client in
            let streaming = try await client.execute(uri: "/api/v1/chat/stream", method: .post)
            #expect(String(buffer: streaming.body) == "child task")
            let asked = try await client.execute(
                uri: "/api/v1/chat", method: .post, headers: [.accept: "text/event-stream"])
            #expect(String(buffer: asked.body) == "child task")
            let json = try await client.execute(uri: "/api/v1/chat", method: .post)
            #expect(String(buffer: json.body) == "same task")
        }
    }
}
