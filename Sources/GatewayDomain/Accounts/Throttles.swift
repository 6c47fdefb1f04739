import GatewayCore

/// One throttle per scope: in PostgreSQL (one table, keys prefixed by scope), or in this
/// process's memory, each with its own lock and bound.
public struct Throttles: Sendable {
    package let login: any ThrottleStore
    package let refresh: any ThrottleStore
    package let registration: any ThrottleStore

    /// In this process's memory (`THROTTLE_STORE=memory`).
    public init(window: Duration, capacity: Int) {
        login = Throttle(window: window, capacity: capacity)
        refresh = Throttle(window: window, capacity: capacity)
        registration = Throttle(window: window, capacity: capacity)
    }

    /// In PostgreSQL, shared by every replica (`THROTTLE_STORE=postgres`).
    package init(shared store: PostgresThrottle) {
        login = store
        refresh = store
        registration = store
    }
}
