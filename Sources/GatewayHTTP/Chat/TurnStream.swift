import BotKit
import GatewayCore
import GatewayDomain
import HTTPTypes
import Hummingbird
import NIOCore

/// How a turn's Server-Sent Events are spelled: the chat API's named events
/// (`ChatEvents`) or `/v1`'s chunks (`CompletionChunks`).
package protocol TurnEventFormat: Sendable {
    /// Written as soon as the stream opens, before the bot's first output.
    var opening: ByteBuffer? { get }
    /// One delta; `first` for the answer's first output.
    func delta(_ piece: String, first: Bool) -> ByteBuffer
    /// A piece of a tool call; nil where the API has no tool calls (they are not asked there).
    func toolCall(_ piece: ToolCallDelta, first: Bool) -> ByteBuffer?
    /// The last events of a stored turn (`sentAny`: some delta was written); nil when the
    /// client is gone. `ending`: shutdown ends the stream.
    func closing(_ result: ChatService.TurnResult, sentAny: Bool, ending: Bool) -> ByteBuffer?
    /// The event telling the client its turn was not stored.
    func notStored(_ error: APIError) -> ByteBuffer
}

/// The one SSE writer of both chat APIs: writes each delta as the bot produces it, and
/// the bot produces the next only once the previous one was written (backpressure, no
/// buffer). A write waits for the client at most the stream write timeout; a failed
/// write (client gone or stalled, or shutdown ending streams) stops the bot, and what it
/// produced is stored as partial. The stream's last event comes once the turn is stored.
package enum TurnStream {
    package static let headers: HTTPFields = [
        .contentType: "text/event-stream", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no",
    ]

    /// A stream that opens at once and starts the turn once its opening is written.
    package static func response(
        starting start: @escaping @Sendable () -> TurnRun, format: some TurnEventFormat, lease: StreamRegistry.Lease
    ) -> Response {
        // Released once used: what it captures (the prepared turn, the service) is not kept
        // for the stream's life.
        let starter = Starter(start)
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                defer { lease.end() }
                if let opening = format.opening { try await lease.write(opening, to: &writer) }
                let run = starter.take()
                try await write(run, first: nil, format: format, lease: lease, to: &writer)
            })
    }

    /// A turn's start, run once (by the stream's writer) and then let go.
    private final class Starter: @unchecked Sendable {
        private var start: (@Sendable () -> TurnRun)?
        package init(_ start: @escaping @Sendable () -> TurnRun) { self.start = start }

        package func take() -> TurnRun {
            let start = self.start!
            self.start = nil
            return start()
        }
    }

    /// A stream whose response waits for the bot's first output, read in the request's own
    /// task, so a bot failing before any output (or a turn that cannot be stored) is an
    /// HTTP error (the route's middleware renders the `BotError` or `TurnNotStored`), not a
    /// 200 stream; after it, failures are the format's error events.
    package static func afterFirstOutput(_ run: TurnRun, format: some TurnEventFormat, lease: StreamRegistry.Lease) async throws
        -> Response
    {
        let first = await run.next()
        if first == nil {
            let result: ChatService.TurnResult
            do throws(ChatService.TurnNotStored) {
                result = try await run.finish()
            } catch {
                lease.end()
                throw error
            }
            if let error = result.error, result.partial == false {
                lease.end()
                throw error
            }
        }
        return response(run, first: first, format: format, lease: lease)
    }

    /// A stream of a turn already started, whose first piece (nil: none) was already read.
    package static func response(
        _ run: TurnRun, first: ChatService.TurnPiece?, format: some TurnEventFormat, lease: StreamRegistry.Lease
    ) -> Response {
        Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                defer { lease.end() }
                try await write(run, first: first, format: format, lease: lease, to: &writer)
            })
    }

    private static func write(
        _ run: TurnRun, first: ChatService.TurnPiece?, format: some TurnEventFormat, lease: StreamRegistry.Lease,
        to writer: inout any ResponseBodyWriter
    ) async throws {
        let sentAny = await relay(run, first: first, format: format, lease: lease, to: &writer)
        try await close(run, sentAny: sentAny, format: format, lease: lease, to: &writer)
    }

    /// Writes each piece as the bot produces it; true once some piece was written. A failed
    /// write stops the bot. Kept apart from `close` (and the encoding synchronous) so the
    /// frames a held stream keeps suspended stay small.
    private static func relay(
        _ run: TurnRun, first: ChatService.TurnPiece?, format: some TurnEventFormat, lease: StreamRegistry.Lease,
        to writer: inout any ResponseBodyWriter
    ) async -> Bool {
        var sentAny = false
        do {
            var next = first
            if next == nil { next = await run.next() }
            while let piece = next {
                if let bytes = encoded(piece, format: format, first: sentAny == false) {
                    try await lease.write(bytes, to: &writer)
                    sentAny = true
                }
                next = await run.next()
            }
        } catch {
            run.cancel()
        }
        return sentAny
    }

    private static func encoded(_ piece: ChatService.TurnPiece, format: some TurnEventFormat, first: Bool) -> ByteBuffer? {
        switch piece {
        case .text(let text): format.delta(text, first: first)
        case .toolCall(let call): format.toolCall(call, first: first)
        }
    }

    /// Stores the turn, then writes the stream's last events.
    private static func close(
        _ run: TurnRun, sentAny: Bool, format: some TurnEventFormat, lease: StreamRegistry.Lease,
        to writer: inout any ResponseBodyWriter
    ) async throws {
        let result: ChatService.TurnResult
        do throws(ChatService.TurnNotStored) {
            result = try await run.finish()
        } catch {
            // Not stored, so not acknowledged: an `error` the client can retry on.
            try await lease.write(format.notStored(error.apiError), to: &writer, duringShutdown: true)
            try await lease.finish(&writer)
            return
        }
        // A turn the bot completed is stored whole: acknowledged even while shutdown ends
        // streams (telling the client otherwise would make it send the turn again).
        if let last = format.closing(result, sentAny: sentAny, ending: lease.mustEnd && result.completion == nil) {
            try await lease.write(last, to: &writer, duringShutdown: true)
        }
        try await lease.finish(&writer)
    }
}
