import AsyncAlgorithms
import BotKit
import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

extension OpenAIController {
    /// Streams chunks through a channel without a buffer: the bot produces the next chunk
    /// only once the previous one was written (backpressure), and each write waits for the
    /// reader at most the stream write timeout. When the reader is gone (or the response
    /// was never written) the producer's next send fails, which ends the bot call; the
    /// turn is still stored or counted, since nothing is cancelled.
    func streamed(
        _ turn: ChatService.PreparedTurn, id: String, created: Int, includeUsage: Bool, lease: StreamRegistry.Lease
    ) async throws -> Response {
        let link = ConsumerLink()
        let (events, gone) = (link.events, link.gone)
        let gate = FirstOutputGate()
        let (chat, streams) = (self.chat, self.streams)
        @Sendable func chunk(_ delta: JSONValue, finish: String? = nil) -> ByteBuffer {
            Self.event([
                "id": .string(id), "object": "chat.completion.chunk", "created": .int(Int64(created)),
                "model": .string(turn.bot.name),
                "choices": [["index": 0, "delta": delta, "finish_reason": finish.map { .string($0) } ?? .null]],
            ])
        }
        @Sendable func send(_ buffer: ByteBuffer) async throws {
            await events.send(buffer)
            if gone.withLockedValue({ $0 }) { throw BotCall.DeltaSinkError() }
        }
        Task {
            defer { events.finish() }
            let result: ChatService.TurnResult
            do throws(ChatService.TurnNotStored) {
                result = try await chat.run(turn) { piece in
                    var buffer = chunk(["content": .string(piece)])
                    if gate.open() {
                        // The role chunk rides with the first content: one hand-over, one write.
                        var first = chunk(["role": "assistant", "content": ""])
                        first.writeBuffer(&buffer)
                        buffer = first
                    }
                    try await send(buffer)
                }
            } catch {
                // Before any output the client gets a real status; after it, an error event.
                let failure = OpenAIError.from(error.apiError)
                if gate.fail(failure) == false { try? await send(Self.errorEvent(failure)) }
                return
            }
            if let error = result.error, result.partial == false {
                gate.fail(OpenAIError.from(error))
                return
            }
            if gate.open() { try? await send(chunk(["role": "assistant", "content": ""])) }
            if streams.phase == .ending {
                try? await send(Self.errorEvent(OpenAIError.from(StreamRegistry.Refused(reason: .shutdown).apiError)))
            } else if let error = result.error {
                try? await send(Self.errorEvent(OpenAIError.from(error)))
            } else {
                try? await send(chunk([:], finish: result.completion?.finishReason.rawValue ?? "stop"))
                if includeUsage {
                    let usage = Quotas.usage(result.completion?.usage, messages: turn.messages, reply: result.text)
                    try? await send(
                        Self.event([
                            "id": .string(id), "object": "chat.completion.chunk", "created": .int(Int64(created)),
                            "model": .string(result.bot), "choices": [], "usage": Self.usage(usage),
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
                    link.close()
                    lease.end()
                }
                // Shutdown ends the stream through the producer (its error event), not here.
                for await buffer in events {
                    try await lease.write(buffer, to: &writer, duringShutdown: true)
                }
                try await lease.finish(&writer)
            })
    }
}

/// The consumer's side of a stream's channel, held only by the response body: when the
/// body ends, or the response is dropped without ever being written (the client left
/// before the first token), the channel is finished and the producer learns it is alone.
final class ConsumerLink: Sendable {
    let events = AsyncChannel<ByteBuffer>()
    let gone = NIOLockedValueBox(false)

    func close() {
        gone.withLockedValue { $0 = true }
        events.finish()
    }

    deinit { close() }
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
