import BotKit
import Foundation

/// Why one attempt failed, and what the retry loop and the circuit breaker make of it.
package struct AttemptFailure: Error {
    package let error: BotError
    package var retryable = false
    /// True when the failure says the upstream is unhealthy (feeds the circuit breaker).
    package var countsAgainstUpstream = false
    package var retryAfter: Int?
    /// Whether another deployment of the bot may take the call before any output (429, any
    /// 5xx, refused credentials, a refused connection). A 500 or 504 is never retried on the
    /// deployment that said it, since it may have run the call, but another may answer it.
    package var movesOn = false
    /// How long the deployment that said it should be passed over while another can take
    /// calls (a 429: its `Retry-After` or a second; refused credentials: 30 s).
    package var coolOff: Duration?

    package init(error: BotError, retryable: Bool = false, countsAgainstUpstream: Bool = false, retryAfter: Int? = nil) {
        self.error = error
        self.retryable = retryable
        self.countsAgainstUpstream = countsAgainstUpstream
        self.retryAfter = retryAfter
    }
}

/// One attempt of a call: its transfer and what was read of it so far. Synchronous: the
/// reader's `await` stays in `UpstreamCall.next`, so a held call's suspended frames are few
/// and small (each held stream keeps them in its connection's task).
struct UpstreamExchange {
    var reader: TransferStream.AsyncIterator
    private var parser: any ResponseParser
    private let deadline: ContinuousClock.Instant
    private var status = 0
    private var retryAfter: Int?
    private var errorBody: [UInt8] = []
    private var finish: FinishReason?
    private var usage: TokenUsage?
    private var done = false

    init(_ stream: TransferStream, parser: any ResponseParser, deadline: ContinuousClock.Instant) {
        reader = stream.makeAsyncIterator()
        self.parser = parser
        self.deadline = deadline
    }

    /// Stops the transfer if it still runs.
    func cancel() { reader.cancel() }

    /// Takes in one read of the transfer (nil: its end), appending the events parsed to
    /// `out`; true once the attempt finished (its last event the completion). Throws an
    /// `AttemptFailure` (`failure(_:_:)`), or the reader's cancellation.
    mutating func absorb(_ event: TransportEvent?, into out: inout [BotEvent], _ client: UpstreamClient) throws -> Bool {
        do {
            return try take(event, into: &out, client)
        } catch {
            throw failure(error, client)
        }
    }

    /// What a failed read or parse means for the attempt.
    func failure(_ error: any Error, _ client: UpstreamClient) -> any Error {
        switch error {
        case let failure as AttemptFailure:
            return failure
        case let error as TransportError:
            return client.transportFailure(error, deadline: deadline)
        case let error as WireError:
            client.logger.error("unreadable upstream answer", metadata: ["error": .string(client.redacted("\(error)"))])
            return AttemptFailure(error: .upstreamFailure(status: 0), countsAgainstUpstream: true)
        default:
            return ContinuousClock.now >= deadline ? AttemptFailure(error: .timeout) : error
        }
    }

    private mutating func take(_ event: TransportEvent?, into out: inout [BotEvent], _ client: UpstreamClient) throws
        -> Bool
    {
        var failure: BotError?
        func handle(_ parsed: [WireEvent]) {
            for event in parsed {
                switch event {
                case .delta(let text): out.append(.delta(text))
                case .toolCall(let piece): out.append(.toolCall(piece))
                case .finish(let reason): finish = reason
                case .usage(let value): usage = value
                case .done: done = true
                case .failure(let error): failure = error
                }
            }
        }
        if let event {
            switch event {
            case .head(let code, let after):
                status = code
                retryAfter = after
            case .body(let bytes) where status >= 300:
                errorBody += bytes.prefix(max(0, UpstreamClient.loggedErrorBytes - errorBody.count))
            case .body(let bytes):
                handle(try parser.feed(bytes))
            }
            if let failure { throw client.reported(failure) }
            return false
        }
        try Task.checkCancellation()
        if status >= 300 || status < 200 { throw client.statusFailure(status, retryAfter: retryAfter, body: errorBody) }
        handle(try parser.finish())
        if let failure { throw client.reported(failure) }
        guard done || finish != nil else {
            // It began answering, so it ran the call: no retry (it could be paid twice).
            client.logger.error("upstream answer ended early")
            throw AttemptFailure(error: .upstreamFailure(status: 0), countsAgainstUpstream: true)
        }
        out.append(.completed(BotCompletion(finishReason: finish ?? .stop, usage: usage)))
        return true
    }
}

extension UpstreamClient {
    /// A failure the upstream reported itself; unavailability counts against it.
    func reported(_ error: BotError) -> AttemptFailure {
        logger.warning("upstream reported a failure", metadata: ["error": .string(redacted("\(error)"))])
        switch error {
        case .unavailable, .upstreamFailure: return AttemptFailure(error: error, countsAgainstUpstream: true)
        default: return AttemptFailure(error: error)
        }
    }

    package func statusFailure(_ status: Int, retryAfter: Int?, body: [UInt8]) -> AttemptFailure {
        logger.error(
            "upstream answered with an error",
            metadata: ["status": "\(status)", "body": .string(redacted(String(decoding: body, as: UTF8.self)))])
        var failure: AttemptFailure
        switch status {
        case 429:
            failure = AttemptFailure(error: .rateLimited(retryAfterSeconds: retryAfter), retryable: true, retryAfter: retryAfter)
            failure.coolOff = .seconds(min(max(retryAfter ?? 1, 1), 60))
        case 502, 503:
            // Said by the upstream or a proxy before it: not processed, safe to try again.
            failure = AttemptFailure(
                error: .upstreamFailure(status: status), retryable: true, countsAgainstUpstream: true, retryAfter: retryAfter)
        case 500, 504:
            // It may have run (and billed) the call: not retried, charged as unknown outcome.
            failure = AttemptFailure(error: .upstreamFailure(status: status), countsAgainstUpstream: true)
        case 401, 403:
            failure = AttemptFailure(error: .unavailable("upstream refused the credentials (HTTP \(status))"))
            failure.coolOff = .seconds(30)
        case 400..<500:
            return AttemptFailure(error: .rejected("HTTP \(status)"))
        default:
            failure = AttemptFailure(error: .upstreamFailure(status: status), countsAgainstUpstream: true)
        }
        failure.movesOn = true
        return failure
    }

    package func transportFailure(_ error: TransportError, deadline: ContinuousClock.Instant) -> AttemptFailure {
        logger.warning("upstream transfer failed", metadata: ["error": "\(error)"])
        switch error {
        case .connect(let why):
            var failure = AttemptFailure(error: .unavailable(why), retryable: true, countsAgainstUpstream: true)
            failure.movesOn = true
            return failure
        case .timeout:
            return AttemptFailure(error: .timeout, countsAgainstUpstream: true)
        case .idle:
            // The request went out and the upstream may be generating (and billing) it: a
            // retry could make it pay twice, so the call fails, charged as unknown outcome.
            return AttemptFailure(error: .timeout, countsAgainstUpstream: true)
        case .tooLarge:
            return AttemptFailure(error: .upstreamFailure(status: 0))
        case .failed:
            // The connection broke after the request went out (libcurl itself retries a
            // reused connection that was already dead): the upstream may have run it.
            return AttemptFailure(error: .upstreamFailure(status: 0), countsAgainstUpstream: true)
        }
    }
}
