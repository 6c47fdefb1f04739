import BotKit
import Foundation

/// Why one attempt failed, and what the retry loop and the circuit breaker make of it.
package struct AttemptFailure: Error {
    package let error: BotError
    package var retryable = false
    /// True when the failure says the upstream is unhealthy (feeds the circuit breaker).
    package var countsAgainstUpstream = false
    package var retryAfter: Int?

    package init(error: BotError, retryable: Bool = false, countsAgainstUpstream: Bool = false, retryAfter: Int? = nil) {
        self.error = error
        self.retryable = retryable
        self.countsAgainstUpstream = countsAgainstUpstream
        self.retryAfter = retryAfter
    }
}

extension UpstreamClient {
    /// One HTTP exchange: sends the request, parses the answer, hands pieces to `emit`.
    func once(_ spec: TransportRequest, parser: any ResponseParser, emit: (Output) -> Void) async throws -> BotCompletion {
        var parser = parser
        var status = 0
        var retryAfter: Int?
        var errorBody: [UInt8] = []
        var finish: FinishReason?
        var usage: TokenUsage?
        var done = false
        var failure: BotError?
        func handle(_ events: [WireEvent]) {
            for event in events {
                switch event {
                case .delta(let text): emit(.text(text))
                case .toolCall(let piece): emit(.toolCall(piece))
                case .finish(let reason): finish = reason
                case .usage(let value): usage = value
                case .done: done = true
                case .failure(let error): failure = error
                }
            }
        }
        do {
            for try await event in transport.start(spec) {
                switch event {
                case .head(let code, let after):
                    status = code
                    retryAfter = after
                case .body(let bytes) where status >= 300:
                    errorBody += bytes.prefix(max(0, Self.loggedErrorBytes - errorBody.count))
                case .body(let bytes):
                    handle(try parser.feed(bytes))
                }
                if let failure { throw reported(failure) }
            }
            try Task.checkCancellation()
            if status >= 300 || status < 200 { throw statusFailure(status, retryAfter: retryAfter, body: errorBody) }
            handle(try parser.finish())
            if let failure { throw reported(failure) }
        } catch let failure as AttemptFailure {
            throw failure
        } catch let error as TransportError {
            throw transportFailure(error, deadline: spec.deadline)
        } catch let error as WireError {
            logger.error("unreadable upstream answer", metadata: ["error": .string(redacted("\(error)"))])
            throw AttemptFailure(error: .upstreamFailure(status: 0), countsAgainstUpstream: true)
        } catch {
            if ContinuousClock.now >= spec.deadline { throw AttemptFailure(error: .timeout) }
            throw error
        }
        guard done || finish != nil else {
            logger.error("upstream answer ended early")
            throw AttemptFailure(error: .upstreamFailure(status: 502), retryable: true, countsAgainstUpstream: true)
        }
        return BotCompletion(finishReason: finish ?? .stop, usage: usage)
    }

    /// A failure the upstream reported itself; unavailability counts against it.
    private func reported(_ error: BotError) -> AttemptFailure {
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
        switch status {
        case 429:
            return AttemptFailure(error: .rateLimited(retryAfterSeconds: retryAfter), retryable: true, retryAfter: retryAfter)
        case 500, 502, 503, 504:
            return AttemptFailure(
                error: .upstreamFailure(status: status), retryable: true, countsAgainstUpstream: true, retryAfter: retryAfter)
        case 401, 403:
            return AttemptFailure(error: .unavailable("upstream refused the credentials (HTTP \(status))"))
        case 400..<500:
            return AttemptFailure(error: .rejected("HTTP \(status)"))
        default:
            return AttemptFailure(error: .upstreamFailure(status: status), countsAgainstUpstream: true)
        }
    }

    package func transportFailure(_ error: TransportError, deadline: ContinuousClock.Instant) -> AttemptFailure {
        logger.warning("upstream transfer failed", metadata: ["error": "\(error)"])
        switch error {
        case .connect(let why):
            return AttemptFailure(error: .unavailable(why), retryable: true, countsAgainstUpstream: true)
        case .timeout:
            return AttemptFailure(error: .timeout, countsAgainstUpstream: true)
        case .idle:
            return AttemptFailure(error: .timeout, retryable: ContinuousClock.now < deadline, countsAgainstUpstream: true)
        case .tooLarge:
            return AttemptFailure(error: .upstreamFailure(status: 0))
        case .failed:
            return AttemptFailure(error: .upstreamFailure(status: 502), retryable: true, countsAgainstUpstream: true)
        }
    }
}
