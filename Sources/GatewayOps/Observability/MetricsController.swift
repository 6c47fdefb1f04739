import Crypto
import Foundation
import GatewayCore
import GatewayDomain
import GatewayHTTP
import Hummingbird
import Postgres

/// `GET /metrics`: Prometheus text format behind HTTP Basic auth (`METRICS_USER` /
/// `METRICS_PASS`, compared in constant time). Without configured credentials every
/// scrape is refused.
package struct MetricsController {
    package let user: String?
    package let password: String?
    /// Nil when the state lives in memory (no pool gauges).
    package let pool: PostgresPool?
    package let bots: BotStatisticsExporter

    package init(user: String? = nil, password: String? = nil, pool: PostgresPool?, bots: BotStatisticsExporter) {
        self.user = user
        self.password = password
        self.pool = pool
        self.bots = bots
    }

    package static let unauthorized = APIError(
        .unauthorized, "Invalid credentials", code: "http_error", headers: [.wwwAuthenticate: "Basic"])

    package func addRoutes(to router: Router<AppRequestContext>) {
        router.get("metrics") { request, _ in
            guard authorized(request.headers[.authorization]) else { throw Self.unauthorized }
            Observability.refresh(pool: pool)
            bots.refresh()
            var buffer: [UInt8] = []
            buffer.reserveCapacity(64 * 1024)
            Observability.registry.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: MetricHelp.annotate(buffer))))
        }
    }

    /// True for `Basic base64(user:password)` matching the configuration. Both parts are
    /// compared in constant time, whatever the first comparison's outcome.
    package func authorized(_ header: String?) -> Bool {
        guard let user, let password, let header, header.count < 1024 else { return false }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic", let decoded = Data(base64Encoded: String(parts[1])) else {
            return false
        }
        let text = String(decoding: decoded, as: UTF8.self)
        guard let colon = text.firstIndex(of: ":") else { return false }
        let userOK = constantTimeEquals(String(text[..<colon]), user)
        let passwordOK = constantTimeEquals(String(text[text.index(after: colon)...]), password)
        return userOK && passwordOK
    }
}
