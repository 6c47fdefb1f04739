import Foundation
import NIOConcurrencyHelpers

/// Fixed-window counters kept in this process's memory (each replica counts on its own;
/// with N replicas behind a balancer an attacker gets at most N times the limit).
public final class Throttle: Sendable {
    private struct Window {
        var start: ContinuousClock.Instant
        var count: Int
    }
    private let windows = NIOLockedValueBox<[String: Window]>([:])
    let window: Duration

    public init(window: Duration) { self.window = window }

    /// Seconds until `key` may try again when it has reached `limit`, else nil.
    public func retryAfter(_ key: String, limit: Int, now: ContinuousClock.Instant = .now) -> Int? {
        windows.withLockedValue { windows in
            guard let current = windows[key], now - current.start < window else { return nil }
            guard current.count >= limit else { return nil }
            let remaining = window - (now - current.start)
            return max(1, Int(remaining.components.seconds) + 1)
        }
    }

    /// Counts one event for `key`.
    public func hit(_ key: String, now: ContinuousClock.Instant = .now) {
        windows.withLockedValue { windows in
            if var current = windows[key], now - current.start < window {
                current.count += 1
                windows[key] = current
            } else {
                windows[key] = Window(start: now, count: 1)
            }
            if windows.count > 100_000 {
                windows = windows.filter { now - $0.value.start < window }
            }
        }
    }

    /// Forgets `key` (after a successful login).
    public func reset(_ key: String) {
        _ = windows.withLockedValue { $0.removeValue(forKey: key) }
    }
}
