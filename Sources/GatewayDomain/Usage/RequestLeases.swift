import GatewayCore
import NIOConcurrencyHelpers

/// This replica's slices of users' per-minute request allowances. A request takes one
/// from its user's slice; an empty slice leases the next from PostgreSQL (one upsert for
/// `size` requests), so every replica shares one count and none admits past the limit.
/// The price of fewer round trips: a slice leased but not used before its minute ends
/// is lost, so a user whose calls spread over several replicas may be refused up to
/// (replicas − 1) × (size − 1) requests before the limit. Bounded: only the current
/// minute's slices are kept, for at most `maxUsers` users (beyond, a request leases one).
package final class RequestLeases: Sendable {
    /// Requests leased at once: a twentieth of the limit (at least one).
    package let size: Int
    package let limit: Int
    package static let maxUsers = 100_000
    private let slices = NIOLockedValueBox<(minute: Int, left: [Int: Int])>((0, [:]))

    package init(limit: Int) {
        self.limit = limit
        size = max(1, limit / 20)
    }

    /// Takes one request of the user's slice for `minute` (minutes since 1970); false
    /// when the slice is empty.
    package func take(userID: Int, minute: Int) -> Bool {
        slices.withLockedValue { slices in
            guard slices.minute == minute, let left = slices.left[userID], left > 0 else { return false }
            slices.left[userID] = left - 1
            return true
        }
    }

    /// How many of `leased` (the slice just leased, `total` leased by all replicas this
    /// minute including it) are within the limit; keeps them less the one taken now.
    package func granted(userID: Int, minute: Int, total: Int, leased: Int) -> Int {
        let granted = max(0, min(leased, limit - (total - leased)))
        guard granted > 1 else { return granted }
        slices.withLockedValue { slices in
            // A lease that comes back after its minute ended keeps nothing (and never resets
            // the current minute's slices).
            guard minute >= slices.minute else { return }
            if slices.minute != minute { slices = (minute, [:]) }
            if slices.left[userID] != nil || slices.left.count < Self.maxUsers {
                slices.left[userID, default: 0] += granted - 1
            }
        }
        return granted
    }

    /// How many requests to lease for the user: a slice, or one when the slice could not be
    /// kept (the table is full).
    package func leaseSize(userID: Int, minute: Int) -> Int {
        slices.withLockedValue { slices in
            slices.minute == minute && slices.left[userID] == nil && slices.left.count >= Self.maxUsers ? 1 : size
        }
    }
}
