/// One HTTP exchange for the curl transport.
package struct TransportRequest: Sendable {
    package var url: String
    /// `GET` or `POST`.
    package var method: String = "POST"
    /// `Name: value` lines.
    package var headers: [String] = []
    package var body: [UInt8] = []
    package var connectTimeout: Duration = .seconds(10)
    /// No byte for this long ends the transfer (`TransportError.idle`); granularity one second.
    package var idleTimeout: Duration = .seconds(30)
    /// The transfer is aborted at this instant (`TransportError.timeout`).
    package var deadline: ContinuousClock.Instant
    /// A response larger than this is aborted (`TransportError.tooLarge`).
    package var maxResponseBytes: Int = 8 << 20
    /// A CA bundle to verify TLS against instead of the system store.
    package var caFile: String?
    /// Counts the connections this transfer had to open (none when it reused one).
    package var connections: LockedCounter?

    package init(
        url: String, method: String = "POST", headers: [String] = [], body: [UInt8] = [],
        connectTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(30), deadline: ContinuousClock.Instant,
        maxResponseBytes: Int = 8 << 20, caFile: String? = nil, connections: LockedCounter? = nil
    ) {
        self.url = url
        self.method = method
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.idleTimeout = idleTimeout
        self.deadline = deadline
        self.maxResponseBytes = maxResponseBytes
        self.caFile = caFile
        self.connections = connections
    }
}

/// What a transfer yields: the status once (with the only header the gateway acts on,
/// `Retry-After` in seconds), then body bytes.
package enum TransportEvent: Sendable {
    case head(status: Int, retryAfter: Int?)
    case body([UInt8])
}

/// Why a transfer failed.
package enum TransportError: Error, Sendable, Equatable {
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
