/// How the gateway's connections reach PostgreSQL (`DB_POOL_MODE`).
public enum PoolMode: String, Sendable, CaseIterable {
    /// Directly, or through a session-mode pooler: each connection is one server session
    /// for its lifetime, so it keeps its settings and prepares each statement once.
    case session
    /// Through a transaction-mode pooler (PgBouncer's `pool_mode = transaction`): each
    /// transaction may run on another server connection, so nothing is left on a session —
    /// no named prepared statements, and the statement timeout is set for each transaction.
    case transaction
}
