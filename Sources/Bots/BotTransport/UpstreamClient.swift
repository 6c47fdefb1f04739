import BotKit
import Foundation
import Logging

/// One bot's calls to its upstream over the process's libcurl transport: a circuit
/// breaker that fails fast while the upstream is down, retries of connect failures, 429
/// and 5xx before any output (exponential backoff with jitter, never past the deadline),
/// and HTTP and transport failures mapped to `BotError`s. Shared by the HTTP-speaking
/// bot kinds; each brings the request it sends and the parser of what comes back.
package struct UpstreamClient: Sendable {
    package let policy: UpstreamPolicy
    package let breaker: CircuitBreaker
    package let logger: Logger
    /// Masked wherever an upstream's text is logged (some upstreams echo credentials).
    let secret: String?
    /// Upstream connections opened by this bot's transfers.
    package let connections = LockedCounter()
    /// The process's transport; libcurl and its driver thread start with the first call,
    /// so configured but unused bots cost no memory or thread.
    package var transport: CurlTransport { .shared }
    /// Most of an upstream error body that is logged.
    package static let loggedErrorBytes = 512

    /// - Parameter logger: where upstream failures are logged (default: the process's
    ///   logging system, label `gateway.bot`), with the bot's name as `bot` metadata.
    package init(policy: UpstreamPolicy, secret: String?, bot name: String, logger: Logger?) {
        self.policy = policy
        self.secret = secret
        var logger = logger ?? Logger(label: "gateway.bot")
        logger[metadataKey: "bot"] = .string(name)
        self.logger = logger
        breaker = CircuitBreaker(threshold: policy.breakerFailures, cooldown: policy.breakerCooldown)
    }

    /// The transfer for `url`, bounded by the policy and `deadline`, carrying the call's
    /// W3C trace context (`trace`: only `traceparent` and `tracestate`, printable values).
    package func transfer(
        _ url: String, method: String = "POST", headers: [String], body: [UInt8] = [], deadline: ContinuousClock.Instant,
        trace: [String: String] = [:]
    ) -> TransportRequest {
        let traced = ["traceparent", "tracestate"].compactMap { name in
            trace[name].flatMap { $0.count <= 512 && UpstreamPolicy.isHeaderSafe($0) ? "\(name): \($0)" : nil }
        }
        return TransportRequest(
            url: url, method: method, headers: headers + policy.extraHeaders + traced, body: body,
            connectTimeout: policy.connectTimeout, idleTimeout: policy.idleTimeout, deadline: deadline,
            maxResponseBytes: policy.maxResponseBytes, caFile: policy.caFile, connections: connections)
    }

    /// The wait before the next attempt, or nil when it would pass the deadline.
    package func backoff(attempt: Int, retryAfter: Int?, deadline: ContinuousClock.Instant) -> Duration? {
        let exponential = policy.retryBase * (1 << min(attempt - 1, 16))
        let jittered = exponential * Double.random(in: 0.5...1.0)
        let wait = retryAfter.map { Duration.seconds(min($0, 120)) } ?? jittered
        return ContinuousClock.now + wait < deadline ? wait : nil
    }

    /// A GET whose 2xx answer means healthy (the breaker's state first).
    package func probe(_ url: String, headers: [String]) async -> BotHealth {
        if case .open = breaker.current { return BotHealth(healthy: false, detail: "circuit open") }
        var spec = transfer(url, method: "GET", headers: headers, deadline: .now + .seconds(3))
        spec.connectTimeout = .seconds(2)
        spec.idleTimeout = .seconds(2)
        spec.maxResponseBytes = 1 << 20
        do {
            for try await event in transport.start(spec) {
                if case .head(let status, _) = event {
                    return (200..<300).contains(status) ? .ok : BotHealth(healthy: false, detail: "HTTP \(status)")
                }
            }
            return BotHealth(healthy: false, detail: "no response")
        } catch {
            return BotHealth(healthy: false, detail: "\(error)")
        }
    }

    /// An upstream text with the secret masked.
    package func redacted(_ text: String) -> String {
        guard let secret, secret.count >= 4 else { return text }
        return text.replacingOccurrences(of: secret, with: "****")
    }
}

extension UpstreamClient {
    /// What an HTTP-speaking bot reports of itself: its upstream connections, the calls
    /// `calls` counts running, and its circuit.
    package func statistics(calls: CallCounter) -> BotStatistics {
        BotStatistics(
            upstreamConnectionsOpened: connections.current, activeCalls: calls.running, circuit: breaker.publicState)
    }
}
