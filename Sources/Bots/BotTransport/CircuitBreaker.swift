import BotKit
import Foundation

/// Fails fast while an upstream is known to be down. Closed: calls pass, consecutive
/// failures are counted; at `threshold` it opens for `cooldown`, during which calls are
/// refused at once. After the cool-down one call is let through (half-open): its
/// success closes the circuit, its failure opens it again.
package final class CircuitBreaker: @unchecked Sendable {
    package enum State: Equatable {
        case closed(failures: Int)
        case open(until: ContinuousClock.Instant)
        case halfOpen
    }

    private let lock = NSLock()
    private var state = State.closed(failures: 0)
    package let threshold: Int
    package let cooldown: Duration

    package init(threshold: Int, cooldown: Duration) {
        self.threshold = threshold
        self.cooldown = cooldown
    }

    package var current: State { lock.withLock { state } }

    /// `current` as operators see it (an open circuit whose cool-down ended reads open
    /// until the next call probes it).
    package var publicState: CircuitState {
        switch current {
        case .closed: .closed
        case .open: .open
        case .halfOpen: .halfOpen
        }
    }

    /// True when a call may go ahead (and, after the cool-down, becomes the probe).
    package func allow(now: ContinuousClock.Instant = .now) -> Bool {
        lock.withLock {
            switch state {
            case .closed: return true
            case .halfOpen: return false
            case .open(let until):
                guard now >= until else { return false }
                state = .halfOpen
                return true
            }
        }
    }

    package func recordSuccess() {
        lock.withLock { state = .closed(failures: 0) }
    }

    package func recordFailure(now: ContinuousClock.Instant = .now) {
        lock.withLock {
            switch state {
            case .closed(let failures) where failures + 1 < threshold:
                state = .closed(failures: failures + 1)
            case .open:
                break
            default:
                state = .open(until: now + cooldown)
            }
        }
    }

    /// The attempt ended without telling anything about the upstream (cancelled, or the
    /// client's own mistake): a half-open probe is given back.
    package func recordNeutral() {
        lock.withLock {
            if state == .halfOpen { state = .open(until: .now) }
        }
    }
}
