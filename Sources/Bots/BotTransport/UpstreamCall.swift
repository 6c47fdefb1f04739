import BotKit

extension UpstreamClient {
    /// One call with retries as a bot's event stream, pulled by its reader (`UpstreamCall`):
    /// `attempt` builds the transfer and a fresh parser for each try; `calls` counts the
    /// call while it runs.
    package func stream(
        deadline: ContinuousClock.Instant, counting calls: CallCounter? = nil,
        attempt build: @escaping @Sendable () throws -> (TransportRequest, any ResponseParser)
    ) -> AsyncThrowingStream<BotEvent, any Error> {
        let call = UpstreamCall(client: self, deadline: deadline, calls: calls, build: build)
        return AsyncThrowingStream(unfolding: { try await call.next() })
    }
}

/// One bot call over its upstream, advanced by its reader: each `next()` runs in the
/// reader's task and reads the transfer until the parser has an event. No task of its own
/// (no thread hand-over between the upstream's bytes and the client's) and no buffer
/// beyond one upstream read's events: the transfer is read only as fast as the reader
/// writes, so a slow client pauses the upstream (the transport's backpressure).
///
/// A failed attempt is retried while nothing was handed on (connect failures, 429, 5xx;
/// exponential backoff with jitter, never past the deadline), behind the circuit breaker.
/// A call dropped unfinished cancels its transfer. Used by one reader at a time.
final class UpstreamCall: @unchecked Sendable {
    private let client: UpstreamClient
    private let deadline: ContinuousClock.Instant
    private let build: @Sendable () throws -> (TransportRequest, any ResponseParser)
    private let calls: CallCounter?
    private var attempts = 0
    /// The attempt in flight.
    private var exchange: UpstreamExchange?
    /// Events parsed and not yet read.
    private var ready: [BotEvent] = []
    private var readIndex = 0
    /// Some delta or tool-call piece was handed on: the call can no longer be retried.
    private var emitted = false
    private var ended = false

    init(
        client: UpstreamClient, deadline: ContinuousClock.Instant, calls: CallCounter?,
        build: @escaping @Sendable () throws -> (TransportRequest, any ResponseParser)
    ) {
        self.client = client
        self.deadline = deadline
        self.calls = calls
        self.build = build
        calls?.started()
    }

    deinit {
        if let exchange {
            exchange.cancel()
            client.breaker.recordNeutral()
        }
        if ended == false { calls?.stopped() }
    }

    /// The next event; nil once the call ended. Throws the call's `BotError`, or
    /// `CancellationError` when the reader's task is cancelled.
    func next() async throws -> BotEvent? {
        do {
            while readIndex == ready.count {
                if ended { return nil }
                try await advance()
            }
        } catch {
            end()
            throw error
        }
        let event = ready[readIndex]
        readIndex += 1
        if readIndex == ready.count {
            ready.removeAll(keepingCapacity: true)
            readIndex = 0
        }
        return event
    }

    private func end() {
        guard ended == false else { return }
        ended = true
        calls?.stopped()
    }

    /// Reads on until some event is ready or the call ended; a failed attempt is retried
    /// or thrown as its `BotError`.
    private func advance() async throws {
        do {
            if exchange == nil { try startAttempt() }
            try await read()
        } catch let failure as AttemptFailure {
            abandonAttempt()
            if failure.countsAgainstUpstream { client.breaker.recordFailure() } else { client.breaker.recordNeutral() }
            let retryable = failure.retryable && emitted == false && attempts <= client.policy.retries
            guard retryable, let wait = client.backoff(attempt: attempts, retryAfter: failure.retryAfter, deadline: deadline)
            else {
                throw failure.error
            }
            client.logger.notice(
                "retrying upstream call", metadata: ["attempt": "\(attempts)", "error": "\(failure.error)"])
            do { try await Task.sleep(for: wait) } catch {
                client.breaker.recordNeutral()
                throw error
            }
        } catch {
            if exchange != nil {
                abandonAttempt()
                client.breaker.recordNeutral()
            }
            throw error
        }
    }

    private func startAttempt() throws {
        guard client.breaker.allow() else { throw BotError.unavailable("circuit open") }
        attempts += 1
        let spec: TransportRequest
        let parser: any ResponseParser
        do { (spec, parser) = try build() } catch let error as BotError { throw AttemptFailure(error: error) } catch {
            throw AttemptFailure(error: .rejected("request could not be encoded"))
        }
        exchange = UpstreamExchange(client.transport.start(spec), parser: parser, deadline: spec.deadline)
    }

    /// Drops the attempt in flight, cancelling its transfer if it still runs.
    private func abandonAttempt() {
        exchange?.cancel()
        exchange = nil
    }

    /// One read of the transfer; queues what it parsed. At the transfer's end, the
    /// completion (the breaker records the success) or the attempt's failure.
    private func read() async throws {
        guard var current = exchange else { return }
        let outcome = try await current.step(client)
        exchange = current
        for event in outcome.events {
            switch event {
            case .delta, .toolCall: emitted = true
            case .completed: break
            }
            ready.append(event)
        }
        if outcome.finished {
            exchange = nil
            client.breaker.recordSuccess()
            end()
        }
    }
}
