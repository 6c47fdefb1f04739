import Logging
import Metrics

/// Security events: one structured log line each (tokens masked by the caller) and a
/// counter `gateway_security_events_total{type}`.
public struct SecurityEvents: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case loginOK = "login_ok"
        case loginFailed = "login_failed"
        case create, rotate, revoke
        case revokeAll = "revoke_all"
        case reuseDetected = "reuse_detected"
        case invalid, expired, anomaly, throttled
    }

    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

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
    }
}
