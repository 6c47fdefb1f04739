import BotKit
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOPosix
import Testing

@testable import Gateway

/// Connections are served on their own event loop, and so are the bots they call.
@Suite struct EventLoopPinningTests {
    @Test func aPinnedTaskStaysOnItsLoopWhenAnotherThreadResumesIt() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let seen = await withTaskExecutorPreference(EventLoopTaskExecutor(loop)) { () async -> [Bool] in
            var seen = [loop.inEventLoop]
            // Resumed from a thread of its own, as libcurl's driver and libpq's threads do.
            await withCheckedContinuation { continuation in Thread.detachNewThread { continuation.resume() } }
            seen.append(loop.inEventLoop)
            let child = await Task { @Sendable in loop.inEventLoop }.value
            seen.append(child)
            return seen
        }
        // An unstructured task does not inherit the preference: it runs on the global pool.
        #expect(seen == [true, true, false])
    }

    @Test func largeWorkLeavesTheLoopAndComesBack() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let seen = try await withTaskExecutorPreference(EventLoopTaskExecutor(loop)) { () async throws -> [Bool] in
            let during = try await offTheLoop { loop.inEventLoop }
            return [during, loop.inEventLoop]
        }
        #expect(seen == [false, true])
    }

    @Test func botAnswerTasksRunWhereTheHostSays() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        func answer() async throws -> String {
            var text = ""
            for try await event in WhereBot().stream(BotRequest(messages: [])) {
                if case .delta(let piece) = event { text += piece }
            }
            return text
        }
        #expect(try await answer() == "elsewhere")
        let pinned = try await BotAnswer.$executor.withValue(EventLoopTaskExecutor(loop)) { try await answer() }
        #expect(pinned == "event loop")
    }

    @Test func aChatIsAnsweredOnTheConnectionsEventLoop() async throws {
        try await TestApp.run(["BOT_PROVIDER": "where"]) { client, _ in
            let token = try await ChatTests.signIn(client, "where@example.com")
            let reply = try await client.send(.post, ChatTests.chat, json: #"{"message":"where?"}"#, bearer: token).json()
            #expect(reply["response"] as? String == "event loop")
        }
    }
}

/// A streaming route's answer is prepared in a child task and written in the connection's.
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
        router.post("/v1/messages", use: answer)
        router.post("/api/v1/users/login", use: answer)
        try await Application(router: router).test(.live) { client in
            let streaming = try await client.execute(uri: "/v1/messages", method: .post)
            #expect(String(buffer: streaming.body) == "child task")
            let other = try await client.execute(uri: "/api/v1/users/login", method: .post)
            #expect(String(buffer: other.body) == "same task")
        }
    }
}
