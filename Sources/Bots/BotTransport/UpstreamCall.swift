import BotKit

extension UpstreamClient {
    /// One call with retries as a bot's event stream, pulled by its reader (`UpstreamCall`):
    /// `attempt` builds the transfer and a fresh parser for each try; `calls` counts the
    /// call while it runs.
    package func stream(
        deadline: ContinuousClock.Instant, counting calls: CallCounter? = nil,
        attempt build: @escaping @Sendable () throws -> (TransportRequest, any ResponseParser)
    ) -> AsyncThrowingStream<BotEvent, any Error> {
        DeploymentSet(single: self).stream(deadline: deadline, counting: calls) { _ in try build() }
    }
}

extension DeploymentSet {
    /// One call over the bot's deployments: `attempt` builds the transfer for the deployment
    /// (its index) each try goes to. A deployment's failure before any output moves the call
    /// to another (`AttemptFailure.movesOn`) without waiting; once each was tried, retries
    /// follow the policy of the deployment they go to.
    package func stream(
        deadline: ContinuousClock.Instant, counting calls: CallCounter? = nil,
        attempt build: @escaping @Sendable (Int) throws -> (TransportRequest, any ResponseParser)
    ) -> AsyncThrowingStream<BotEvent, any Error> {
        let call = UpstreamCall(deployments: self, deadline: deadline, calls: calls, build: build)
        return AsyncThrowingStream(unfolding: { try await call.next() })
    }
}

/// One bot call over its upstream, advanced by its reader: each `next()` runs in the
/// reader's task and reads the transfer until the parser has an event. No task of its own
/// (no thread hand-over between the upstream's bytes and the client's) and a bounded
/// buffer (the transport's high-water mark, plus one read's events): the transfer is read
/// only as fast as the reader writes, so a slow client pauses the upstream.
///
/// A failed attempt is retried while nothing was handed on (connect failures, 429, 5xx;
/// exponential backoff with jitter, never past the deadline), behind the circuit breaker.
/// The breaker hears how an attempt went as soon as the upstream shows it (its first output,
/// its end, its failure), not when a slow reader gets there, so a half-open probe is never
/// held up by its client. A call dropped unfinished cancels its transfer. Used by one
/// reader at a time.
final class UpstreamCall: @unchecked Sendable {
    private let deployments: DeploymentSet
    /// The deployment of the attempt in flight (or the last one).
    private var current = 0
    /// Deployments that failed this call before any output, since the last retry round.
    private var tried: Set<Int> = []
    /// Deployments that may have run this call (a 500 or 504): never sent it again.
    private var spent: Set<Int> = []
    private var client: UpstreamClient { deployments[current].client }
    private let deadline: ContinuousClock.Instant
    private let build: @Sendable (Int) throws -> (TransportRequest, any ResponseParser)
    private let calls: CallCounter?
    /// Attempts after a failure that moved nowhere (the policy's `retries` bounds them).
    private var attempts = 0
    /// The attempt in flight.
    private var exchange: UpstreamExchange?
    /// Events parsed and not yet read, and how the attempt failed after them.
    private var ready: [BotEvent] = []
    private var pending: (any Error)?
    private var readIndex = 0
    /// Some delta or tool-call piece was handed on: the call can no longer be retried.
    private var emitted = false
    /// The breaker was told how the attempt in flight went.
    private var told = false
    private var ended = false

    init(
        deployments: DeploymentSet, deadline: ContinuousClock.Instant, calls: CallCounter?,
        build: @escaping @Sendable (Int) throws -> (TransportRequest, any ResponseParser)
    ) {
        self.deployments = deployments
        self.deadline = deadline
        self.calls = calls
        self.build = build
        calls?.started()
    }

    deinit {
        if let exchange {
            exchange.cancel()
            if told == false { client.breaker.recordNeutral() }
            deployments[current].running.stopped()
        }
        if ended == false { calls?.stopped() }
    }

    /// The next event; nil once the call ended. Throws the call's `BotError`, or
    /// `CancellationError` when the reader's task is cancelled. The only suspension while
    /// a stream is held is the read of the transfer here; parsing and failures are handled
    /// in synchronous functions, so the frames a held stream keeps stay small.
    func next() async throws -> BotEvent? {
        while readIndex == ready.count {
            if ended { return nil }
            do {
                if let failure = pending {
                    pending = nil
                    throw failure
                }
                if exchange == nil { try startAttempt() }
                var reader = exchange!.reader
                let event: TransportEvent?
                do { event = try await reader.next() } catch { throw exchange!.failure(error, client) }
                exchange!.reader = reader
                try absorb(event)
            } catch {
                do { try await recover(from: error) } catch {
                    end()
                    throw error
                }
            }
        }
        let event = ready[readIndex]
        readIndex += 1
        if readIndex == ready.count {
            // A burst (one read can bring 256 KB of small deltas) is not kept for the call's life.
            if ready.capacity > 64 { ready = [] } else { ready.removeAll(keepingCapacity: true) }
            readIndex = 0
        }
        return event
    }

    private func end() {
        guard ended == false else { return }
        ended = true
        calls?.stopped()
    }

    /// Queues what one read of the transfer parsed; the first output or the transfer's end
    /// (then the completion) tells the breaker the upstream answered. A failure after some
    /// events ends the attempt at once and is thrown once they were read.
    private func absorb(_ event: TransportEvent?) throws {
        let finished: Bool
        do {
            finished = try exchange!.absorb(event, into: &ready, client)
        } catch  where ready.isEmpty == false {
            deployments[current].noteFailure()
            abandonAttempt()
            tell(error)
            // Nothing is retried after output: the call's error as it will be thrown.
            pending = (error as? AttemptFailure)?.error ?? error
            finished = false
        }
        if emitted == false {
            emitted = ready.contains { if case .completed = $0 { false } else { true } }
        }
        if (emitted || finished) && told == false {
            told = true
            client.breaker.recordSuccess()
        }
        if finished {
            exchange = nil
            deployments[current].running.stopped()
            end()
        }
    }

    /// Tells the breaker an attempt failed: against the upstream, or (once, when it was not
    /// told otherwise) as saying nothing about it, which gives a half-open probe back.
    private func tell(_ error: any Error) {
        if let failure = error as? AttemptFailure, failure.countsAgainstUpstream {
            client.breaker.recordFailure()
        } else if told == false {
            client.breaker.recordNeutral()
        }
        told = true
    }

    /// After a failed attempt (or a refused start): returns once the next attempt may
    /// start (a retryable failure before any output, after its backoff); otherwise throws
    /// the call's error.
    private func recover(from error: any Error) async throws {
        guard let failure = error as? AttemptFailure else {
            if exchange != nil {
                abandonAttempt()
                tell(error)
            }
            throw error
        }
        if exchange != nil { deployments[current].noteFailure() }
        abandonAttempt()
        tell(failure)
        if let wait = failure.coolOff { deployments[current].coolOff(for: wait) }
        if failure.movesOn, emitted == false, deployments.count > 1 {
            tried.insert(current)
            if failure.retryable == false { spent.insert(current) }
            if deployments.hasCandidate(excluding: tried.union(spent)) {
                client.logger.notice("moving upstream call to another deployment", metadata: ["error": "\(failure.error)"])
                return
            }
            tried = []
        }
        attempts += 1
        // A deployment that may have run the call is not sent it again, but another may be.
        let elsewhere = failure.movesOn && spent.count < deployments.count && deployments.count > 1
        let retryable = (failure.retryable || elsewhere) && emitted == false && attempts <= client.policy.retries
        guard retryable, let wait = client.backoff(attempt: attempts, retryAfter: failure.retryAfter, deadline: deadline)
        else {
            throw failure.error
        }
        client.logger.notice("retrying upstream call", metadata: ["attempt": "\(attempts)", "error": "\(failure.error)"])
        // The failed attempt already told its breaker; a cancelled wait says nothing more
        // (another call may hold the half-open probe).
        try await Task.sleep(for: wait)
    }

    private func startAttempt() throws {
        guard
            let chosen = deployments.pick(excluding: tried.union(spent))
                ?? (tried.isEmpty ? nil : deployments.pick(excluding: spent))
        else { throw BotError.unavailable("circuit open") }
        current = chosen
        told = false
        let spec: TransportRequest
        let parser: any ResponseParser
        do { (spec, parser) = try build(chosen) } catch let error as BotError { throw AttemptFailure(error: error) } catch {
            throw AttemptFailure(error: .rejected("request could not be encoded"))
        }
        deployments[chosen].started()
        exchange = UpstreamExchange(client.transport.start(spec), parser: parser, deadline: spec.deadline)
    }

    /// Drops the attempt in flight, cancelling its transfer if it still runs.
    private func abandonAttempt() {
        guard let exchange else { return }
        exchange.cancel()
        self.exchange = nil
        deployments[current].running.stopped()
    }
}
