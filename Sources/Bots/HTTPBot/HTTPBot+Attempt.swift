import BotKit
import Foundation

/// Why one attempt failed, and what the retry loop and the circuit breaker make of it.
struct AttemptFailure: Error {
    let error: BotError
    var retryable = false
    /// True when the failure says the upstream is unhealthy (feeds the circuit breaker).
    var countsAgainstUpstream = false
    var retryAfter: Int?
}

extension HTTPBot {
    /// Most of an upstream error body that is logged.
    static let loggedErrorBytes = 512

    /// One HTTP exchange: sends the request, parses the answer, hands deltas to `emit`.
    func once(_ request: BotRequest, emit: (Output) -> Void) async throws -> BotCompletion {
        let built: (path: String, headers: [String], body: [UInt8])
        do {
            built = try format.chatRequest(request, settings: settings, stream: settings.stream)
        } catch let error as BotError {
            throw AttemptFailure(error: error)
        } catch {
            throw AttemptFailure(error: .rejected("request could not be encoded"))
        }
        let spec = TransportRequest(
            url: settings.baseURL + built.path, method: "POST",
            headers: built.headers + format.authHeaders(settings) + settings.extraHeaders, body: built.body,
            connectTimeout: settings.connectTimeout, idleTimeout: settings.idleTimeout, deadline: request.deadline,
            maxResponseBytes: settings.maxResponseBytes, caFile: settings.caFile, connections: connections)
        var parser = format.parser(stream: settings.stream)
        var status = 0
        var retryAfter: Int?
        var errorBody: [UInt8] = []
        var finish: FinishReason?
        var usage: TokenUsage?
        var done = false
        func handle(_ events: [WireEvent]) {
            for event in events {
                switch event {
                case .delta(let text): emit(.text(text))
                case .toolCall(let piece): emit(.toolCall(piece))
                case .finish(let reason): finish = reason
                case .usage(let value): usage = value
                case .done: done = true
                }
            }
        }
        do {
            for try await event in transport.start(spec) {
                switch event {
                case .head(let code, let headers):
                    status = code
                    retryAfter = headers["retry-after"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                case .body(let bytes) where status >= 300:
                    errorBody += bytes.prefix(max(0, Self.loggedErrorBytes - errorBody.count))
                case .body(let bytes):
                    handle(try parser.feed(bytes))
                }
            }
            try Task.checkCancellation()
            if status >= 300 || status < 200 { throw statusFailure(status, retryAfter: retryAfter, body: errorBody) }
            handle(try parser.finish())
        } catch let failure as AttemptFailure {
            throw failure
        } catch let error as TransportError {
            throw transportFailure(error, deadline: request.deadline)
        } catch let error as WireError {
            logger.error("unreadable upstream answer", metadata: ["error": "\(error)"])
            throw AttemptFailure(error: .upstreamFailure(status: 0), countsAgainstUpstream: true)
        } catch {
            if ContinuousClock.now >= request.deadline { throw AttemptFailure(error: .timeout) }
            throw error
        }
        guard done || finish != nil else {
            logger.error("upstream answer ended early")
            throw AttemptFailure(error: .upstreamFailure(status: 502), retryable: true, countsAgainstUpstream: true)
        }
        return BotCompletion(finishReason: finish ?? .stop, usage: usage)
    }

    func statusFailure(_ status: Int, retryAfter: Int?, body: [UInt8]) -> AttemptFailure {
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

    /// An upstream text with the API key masked (some upstreams echo it in errors).
    func redacted(_ text: String) -> String {
        guard let key = settings.apiKey, key.count >= 4 else { return text }
        return text.replacingOccurrences(of: key, with: "****")
    }

    func transportFailure(_ error: TransportError, deadline: ContinuousClock.Instant) -> AttemptFailure {
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
