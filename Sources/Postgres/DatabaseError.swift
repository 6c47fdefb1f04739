import Metrics

/// Errors raised by the database layer, with PostgreSQL's SQLSTATE mapped to cases the
/// services can act on. Messages may contain server text: they are logged, never shown.
public enum DatabaseError: Error, Sendable, CustomStringConvertible {
    /// SQLSTATE 23505.
    case uniqueViolation(constraint: String?)
    /// SQLSTATE 40001 / 40P01: the transaction may be retried.
    case serializationFailure
    /// The connection broke during the call (SQLSTATE class 08, 57P01…, or a dead socket).
    case connectionLost(String)
    /// No connection could be opened (server down, bad credentials, unreachable host).
    case unavailable(String)
    /// Every connection stayed busy for the pool's whole wait timeout.
    case poolTimeout
    /// The pool is shut down.
    case poolClosed
    /// Any other server error.
    case query(sqlstate: String, message: String)
    /// A value could not be decoded into the requested Swift type.
    case decoding(String)
    /// A text parameter held a NUL character, which PostgreSQL text cannot store.
    case nulCharacter

    /// Maps a SQLSTATE and server message to a case.
    package static func from(sqlstate: String?, message: String, constraint: String?) -> DatabaseError {
        guard let code = sqlstate else { return .connectionLost(message) }
        switch code {
        case "23505": return .uniqueViolation(constraint: constraint)
        case "40001", "40P01": return .serializationFailure
        case "57P01", "57P02", "57P03": return .connectionLost(message)
        default:
            if code.hasPrefix("08") { return .connectionLost(message) }
            return .query(sqlstate: code, message: message)
        }
    }

    /// True when the database could not be reached at all (maps to 503).
    public var isUnavailable: Bool {
        switch self {
        case .connectionLost, .unavailable, .poolTimeout, .poolClosed: true
        default: false
        }
    }

    /// The SQLSTATE class (first two characters) for metrics, or a stable label.
    public var sqlstateClass: String {
        switch self {
        case .uniqueViolation: "23"
        case .serializationFailure: "40"
        case .connectionLost: "08"
        case .unavailable: "unavailable"
        case .poolTimeout: "pool_timeout"
        case .poolClosed: "pool_closed"
        case .query(let code, _): String(code.prefix(2))
        case .decoding: "decoding"
        case .nulCharacter: "22"
        }
    }

    /// Counts the error in `gateway_db_errors_total{class}`.
    package func count() {
        Counter(label: "gateway_db_errors_total", dimensions: [("class", sqlstateClass)]).increment()
    }

    public var description: String {
        switch self {
        case .uniqueViolation(let c): "unique violation (\(c ?? "?"))"
        case .serializationFailure: "serialization failure"
        case .connectionLost(let m): "connection lost: \(m)"
        case .unavailable(let m): "database unavailable: \(m)"
        case .poolTimeout: "timed out waiting for a database connection"
        case .poolClosed: "database pool is closed"
        case .query(let code, let m): "SQLSTATE \(code): \(m)"
        case .decoding(let m): "decoding: \(m)"
        case .nulCharacter: "a text value contains a NUL character"
        }
    }
}
