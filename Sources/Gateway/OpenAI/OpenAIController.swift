import AsyncAlgorithms
import BotKit
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// OpenAI-compatible routes under `/v1`, authenticated by access token or API key:
/// `GET /v1/models` (the configured bots) and `POST /v1/chat/completions` (`model` names
/// the bot; JSON or `stream: true` SSE chunks ending with `data: [DONE]`). Nothing is
/// stored unless the request carries `X-Conversation-Id`.
struct OpenAIController {
    let chat: ChatService
    let bots: BotDirectory
    let bearer: BearerAuthenticator
    let maxBodyBytes: Int
    let streams: StreamRegistry
    static let conversationHeader = HTTPField.Name("X-Conversation-Id")!

    func addRoutes(to router: Router<AppRequestContext>, table: RouteTable) {
        Routes(router, prefix: "/v1", table: table, middleware: [OpenAIErrorMiddleware(), bearer])
            .on(.get, "models") { _, context in
                _ = try context.requireUser()
                return JSONResponse(
                    ModelList(data: bots.entries.map { ModelList.Model(id: $0.name, owned_by: "gateway:\($0.kind)") }))
            }
            .on(.post, "chat/completions", use: completions)
    }

    struct ModelList: Encodable, Sendable {
        struct Model: Encodable, Sendable {
            let id: String
            var object = "model"
            var created = 0
            let owned_by: String
        }
        var object = "list"
        let data: [Model]
    }

    @Sendable func completions(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let parsed = try CompletionRequest.parse(try await RequestBody.object(request, limit: maxBodyBytes))
        let conversation = try request.headers[Self.conversationHeader].map { text in
            guard let id = UUID(uuidString: text) else {
                throw OpenAIError(
                    status: .badRequest, message: "X-Conversation-Id must be a UUID.", type: "invalid_request_error",
                    code: "invalid_request")
            }
            return id
        }
        let turn = try await chat.prepareCompletion(
            userID: user.id, bot: parsed.model, messages: parsed.messages, conversationID: conversation, options: parsed.options)
        let id = "chatcmpl-" + turn.assistantMessageID.lowercasedString
        let created = Int(Date().timeIntervalSince1970)
        if parsed.stream {
            let lease = try streams.admit(userID: user.id)
            return try await streamed(
                turn, id: id, created: created, includeUsage: parsed.includeUsage, lease: lease, channel: context.channel)
        }
        let result = try await chat.run(turn) { _ in }
        if let error = result.error, result.partial == false { throw OpenAIError.from(error) }
        let usage = Quotas.usage(result.completion?.usage, messages: turn.messages, reply: result.text)
        let body: [String: Any] = [
            "id": id, "object": "chat.completion", "created": created, "model": result.bot,
            "choices": [
                [
                    "index": 0, "message": ["role": "assistant", "content": result.text],
                    "finish_reason": result.completion?.finishReason.rawValue ?? "error",
                ]
            ],
            "usage": Self.usage(usage),
        ]
        return Self.json(body)
    }

    /// Streams chunks through a channel without a buffer: the bot produces the next chunk
    /// only once the previous one was written (backpressure), a write waits for the
    /// reader at most the stream write timeout, and a reader gone cancels the bot.
    private func streamed(
        _ turn: ChatService.PreparedTurn, id: String, created: Int, includeUsage: Bool, lease: StreamRegistry.Lease,
        channel: any Channel
    ) async throws -> Response {
        let events = AsyncChannel<ByteBuffer>()
        let gate = FirstOutputGate()
        let chat = self.chat
        @Sendable func chunk(_ delta: [String: Any], finish: String? = nil) -> ByteBuffer {
            let object: [String: Any] = [
                "id": id, "object": "chat.completion.chunk", "created": created, "model": turn.bot.name,
                "choices": [["index": 0, "delta": delta, "finish_reason": finish.map { $0 as Any } ?? NSNull()]],
            ]
            return Self.event(object)
        }
        @Sendable func send(_ buffer: ByteBuffer) async throws {
            await events.send(buffer)
            try Task.checkCancellation()
        }
        let task = Task {
            defer { events.finish() }
            let result: ChatService.TurnResult
            do throws(ChatService.TurnNotStored) {
                result = try await chat.run(turn) { piece in
                    if gate.open() { try await send(chunk(["role": "assistant", "content": ""])) }
                    try await send(chunk(["content": piece]))
                }
            } catch {
                // Before any output the client gets a real status; after it, an error event.
                let failure = OpenAIError.from(error)
                if gate.fail(failure) == false { try? await send(Self.errorEvent(failure)) }
                return
            }
            if let error = result.error, result.partial == false {
                gate.fail(OpenAIError.from(error))
                return
            }
            if gate.open() { try? await send(chunk(["role": "assistant", "content": ""])) }
            if lease.mustEnd {
                try? await send(
                    Self.errorEvent(
                        OpenAIError.from(StreamRegistry.Refused(reason: .shutdown))
                            ?? .init(
                                status: .serviceUnavailable, message: "The server is restarting.", type: "server_error",
                                code: "shutting_down")))
            } else if let error = result.error {
                try? await send(Self.errorEvent(OpenAIError.from(error)))
            } else {
                try? await send(chunk([:], finish: result.completion?.finishReason.rawValue ?? "stop"))
                if includeUsage {
                    let usage = Quotas.usage(result.completion?.usage, messages: turn.messages, reply: result.text)
                    try? await send(
                        Self.event([
                            "id": id, "object": "chat.completion.chunk", "created": created, "model": result.bot,
                            "choices": [Any](), "usage": Self.usage(usage),
                        ]))
                }
            }
            try? await send(ByteBuffer(string: "data: [DONE]\n\n"))
        }
        if let failure = await gate.wait() {
            lease.end()
            throw failure
        }
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody { writer in
                defer {
                    task.cancel()
                    lease.end()
                }
                for await buffer in events { try await lease.write(buffer, to: &writer, channel: channel) }
                try await writer.finish(nil)
            })
    }

    static func errorEvent(_ failure: OpenAIError) -> ByteBuffer {
        event(["error": ["message": failure.message, "type": failure.type, "code": failure.code]])
    }

    static func usage(_ usage: TokenUsage) -> [String: Int] {
        ["prompt_tokens": usage.inputTokens, "completion_tokens": usage.outputTokens, "total_tokens": usage.totalTokens]
    }

    static func event(_ object: [String: Any]) -> ByteBuffer {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return ByteBuffer(string: "data: " + String(decoding: data, as: UTF8.self) + "\n\n")
    }

    static func json(_ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Holds a streamed completion's response until the bot produced its first output, so
/// a bot that fails before any output gets a real HTTP error status, not a 200 stream.
final class FirstOutputGate: @unchecked Sendable {
    private let lock = NSLock()
    private var state: (opened: Bool, failure: OpenAIError?, waiter: CheckedContinuation<OpenAIError?, Never>?, decided: Bool) =
        (false, nil, nil, false)

    /// Opens the gate; true the first time.
    func open() -> Bool { decide(nil) }

    /// Fails the response before any output; false when output was already sent.
    @discardableResult
    func fail(_ error: OpenAIError) -> Bool { decide(error) }

    private func decide(_ failure: OpenAIError?) -> Bool {
        let (first, waiter) = lock.withLock { () -> (Bool, CheckedContinuation<OpenAIError?, Never>?) in
            guard state.decided == false else { return (false, nil) }
            state.decided = true
            state.failure = failure
            defer { state.waiter = nil }
            return (true, state.waiter)
        }
        waiter?.resume(returning: failure)
        return first
    }

    /// Waits for the first output (nil) or a failure before any output.
    func wait() async -> OpenAIError? {
        await withCheckedContinuation { continuation in
            let decided = lock.withLock { () -> (Bool, OpenAIError?) in
                if state.decided { return (true, state.failure) }
                state.waiter = continuation
                return (false, nil)
            }
            if decided.0 { continuation.resume(returning: decided.1) }
        }
    }
}
