/// One HTTP exchange for the curl transport.
struct TransportRequest: Sendable {
    var url: String
    /// `GET` or `POST`.
    var method: String = "POST"
    /// `Name: value` lines.
    var headers: [String] = []
    var body: [UInt8] = []
    var connectTimeout: Duration = .seconds(10)
    /// No byte for this long ends the transfer (`TransportError.idle`); granularity one second.
    var idleTimeout: Duration = .seconds(30)
    /// The transfer is aborted at this instant (`TransportError.timeout`).
    var deadline: ContinuousClock.Instant
    /// A response larger than this is aborted (`TransportError.tooLarge`).
    var maxResponseBytes: Int = 8 << 20
    /// A CA bundle to verify TLS against instead of the system store.
    var caFile: String?
    /// Counts the connections this transfer had to open (none when it reused one).
    var connections: LockedCounter?
}

/// What a transfer yields: the status and headers once, then body bytes.
enum TransportEvent: Sendable {
    case head(status: Int, headers: [String: String])
    case body([UInt8])
}

/// Why a transfer failed.
enum TransportError: Error, Sendable, Equatable {
    /// Could not connect (refused, unreachable, DNS, TLS handshake).
    case connect(String)
    /// The deadline passed.
    case timeout
    /// No bytes arrived for the idle timeout.
    case idle
    /// The response exceeded `maxResponseBytes`.
    case tooLarge
    /// The connection broke mid-response or another libcurl error.
    case failed(String)
}
