import GatewayCore
import GatewayDomain
import Hummingbird
import Metrics
import NIOConcurrencyHelpers

/// Counts every request by route template (never the raw path), method and status,
/// records its duration, and tracks requests in flight:
/// `gateway_http_requests_total`, `gateway_http_request_duration_seconds`,
/// `gateway_http_requests_in_flight`.
package struct RequestMetricsMiddleware: RouterMiddleware {
    package typealias Context = AppRequestContext

    private struct Key: Hashable {
        package let route: String
        package let method: HTTPRequest.Method
        package let status: Int
    }

    private struct Instruments: Sendable {
        package let requests: Counter
        package let duration: Timer
    }

    private let cache = NIOLockedValueBox<[Key: Instruments]>([:])
    private let inFlight = Meter(label: "gateway_http_requests_in_flight")

    package init() {
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        inFlight.increment()
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            inFlight.decrement()
            throw error
        }
        let status = response.status.code
        // Hummingbird names an unmatched request's endpoint "NotFound".
        let route = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? "unmatched"
        let method = request.method
        let instruments = self.instruments(Key(route: route, method: method, status: status))
        // Streamed bodies are timed to their head: the duration is the server's answer time.
        instruments.requests.increment()
        instruments.duration.record(duration: ContinuousClock.now - start)
        inFlight.decrement()
        return response
    }

    private func instruments(_ key: Key) -> Instruments {
        cache.withLockedValue { cache in
            if let found = cache[key] { return found }
            let dimensions = [("route", key.route), ("method", key.method.rawValue), ("status", String(key.status))]
            let made = Instruments(
                requests: Counter(label: "gateway_http_requests_total", dimensions: dimensions),
                duration: Timer(label: "gateway_http_request_duration_seconds", dimensions: dimensions))
            cache[key] = made
            return made
        }
    }
}
