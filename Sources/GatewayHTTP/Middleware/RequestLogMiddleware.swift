import Foundation
import GatewayCore
import GatewayDomain
import Hummingbird
import Logging

/// Accepts or generates `X-Request-ID`, echoes it, puts it on the request's logger and
/// writes one log line per request (method, path, status, duration). Never logs
/// headers or bodies, so credentials cannot leak through it.
package struct RequestLogMiddleware: RouterMiddleware {

    package init() {
    }

    package typealias Context = AppRequestContext

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        let incoming = request.headers[.xRequestID].flatMap { id -> String? in
            let valid = id.count <= 128 && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) }
            return valid && id.isEmpty == false ? id : nil
        }
        let id = incoming ?? UUID.random().lowercasedString
        context.requestID = id
        context.logger[metadataKey: "request_id"] = .string(id)
        let start = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[.xRequestID] = id
        let elapsed = ContinuousClock.now - start
        context.logger.info(
            "request",
            metadata: [
                "method": .string(request.method.rawValue), "path": .string(request.uri.path),
                "status": .stringConvertible(response.status.code),
                "duration_ms": .string(Self.milliseconds(elapsed)),
            ])
        return response
    }

    /// `elapsed` in milliseconds with two decimals ("12.34"), without `String(format:)`.
    package static func milliseconds(_ elapsed: Duration) -> String {
        let hundredths = max(0, Int((elapsed.milliseconds * 100).rounded()))
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
