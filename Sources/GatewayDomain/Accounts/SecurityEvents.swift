import GatewayCore
import Logging
import Metrics

/// Security events: one structured log line each (tokens masked by the caller), a
/// counter `gateway_security_events_total{type}`, and, unless the retention is 0, a row of
/// `security_events` for administrators (written in batches by `SecurityEventLog`).
public struct SecurityEvents: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case loginOK = "login_ok"
        case loginFailed = "login_failed"
        case create, rotate, revoke
        case revokeAll = "revoke_all"
        case reuseDetected = "reuse_detected"
        case invalid, expired, anomaly, throttled
    }

    package let logger: Logger
    package let store: SecurityEventLog?

    package init(logger: Logger, store: SecurityEventLog? = nil) {
        self.logger = logger
        self.store = store
    }

    public func record(_ kind: Kind, _ metadata: Logger.Metadata = [:]) {
        var fields = metadata
        fields["event"] = .string(kind.rawValue)
        let level: Logger.Level =
            switch kind {
            case .reuseDetected, .anomaly: .warning
            case .loginFailed, .invalid, .expired, .throttled: .notice
            default: .info
            }
        logger.log(level: level, "security_event", metadata: fields)
        Counter(label: "gateway_security_events_total", dimensions: [("type", kind.rawValue)]).increment()
        store?.note(kind.rawValue, metadata)
    }
}
