import DequeModule
import GatewayCore
import NIOConcurrencyHelpers

/// Fixed-window counters kept in this process's memory (`THROTTLE_STORE=memory`: each
/// replica counts on its own, so with N replicas an attacker gets N times every limit;
/// `PostgresThrottle`, the default, counts for all of them).
///
/// Bounded: at most `capacity` keys; beyond it the key whose window started first is
/// evicted (an attacker who floods keys forgets their own counters first, since the
/// oldest windows go). Every call is O(1) amortized under its own lock, so one scope's
/// traffic (refresh) never waits on a scan caused by another's (login).
public final class Throttle: Sendable {
    private struct Window {
        package var start: ContinuousClock.Instant
        package var count: Int
    }

    private struct State {
        package var windows: [String: Window] = [:]
        /// Keys in the order their windows started; stale entries are skipped on eviction.
        package var order: Deque<(key: String, start: ContinuousClock.Instant)> = []
    }

    private let state = NIOLockedValueBox(State())
    package let window: Duration
    package let capacity: Int

    public init(window: Duration, capacity: Int = 100_000) {
        self.window = window
        self.capacity = max(1, capacity)
    }

    /// Keys currently tracked.
    package var count: Int { state.withLockedValue { $0.windows.count } }

    /// Counts one attempt for `key` unless it already reached `limit`: nil when admitted
    /// (and counted), else the seconds to wait. Check and count are one step, so
    /// concurrent attempts cannot all slip under the limit.
    public func admit(_ key: String, limit: Int, now: ContinuousClock.Instant = .now) -> Int? {
        state.withLockedValue { state in
            if let current = state.windows[key], now - current.start < window, current.count >= limit {
                return seconds(until: current.start + window, now: now)
            }
            add(key, now: now, state: &state)
            return nil
        }
    }

    /// Takes back one counted attempt (a login that turned out to be right); a key back at
    /// zero is forgotten.
    public func refund(_ key: String) {
        state.withLockedValue { state in
            guard var current = state.windows[key] else { return }
            current.count -= 1
            state.windows[key] = current.count > 0 ? current : nil
        }
    }

    /// Forgets `key` (after a successful login).
    public func reset(_ key: String) {
        _ = state.withLockedValue { $0.windows.removeValue(forKey: key) }
    }

    private func add(_ key: String, now: ContinuousClock.Instant, state: inout State) {
        if var current = state.windows[key], now - current.start < window {
            current.count += 1
            state.windows[key] = current
            return
        }
        state.windows[key] = Window(start: now, count: 1)
        state.order.append((key, now))
        while state.windows.count > capacity || state.order.count > 2 * capacity, let oldest = state.order.popFirst() {
            // Only the entry that still describes the key's live window evicts it.
            if state.windows[oldest.key]?.start == oldest.start {
                state.windows[oldest.key] = nil
            }
        }
    }

    private func seconds(until end: ContinuousClock.Instant, now: ContinuousClock.Instant) -> Int {
        max(1, Int((end - now).components.seconds) + 1)
    }
}

/// What a per-address limit counts: an IPv4 address, or an IPv6 client's /64 (one
/// subscriber usually holds a whole /64, so counting single addresses would be no limit).
package enum ThrottleScope {
    package static func address(_ ip: String) -> String {
        guard ip.contains(":"), let address = IPAddress(ip), address.bytes.count == 16 else { return ip }
        let network = Array(address.bytes.prefix(8)) + Array(repeating: 0, count: 8)
        return (IPAddress(bytes: network)?.description ?? ip) + "/64"
    }
}
