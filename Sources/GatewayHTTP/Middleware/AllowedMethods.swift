import GatewayCore
import GatewayDomain
import Hummingbird
import NIOConcurrencyHelpers

/// The methods each path template allows, read from the router's own table once every
/// route is registered. The error middleware (added before the routes) uses it to answer
/// 405 with `Allow` instead of 404 for a path that exists.
package final class AllowedMethods: Sendable {
    private let routes = NIOLockedValueBox<[(segments: [Substring], method: HTTPRequest.Method)]>([])

    package init() {
    }

    /// Takes the routes of a fully built router.
    package func load(_ descriptions: [Router<AppRequestContext>.RouteDescription]) {
        routes.withLockedValue { $0 = descriptions.map { ($0.path.description.split(separator: "/"), $0.method) } }
    }

    /// Methods registered for a concrete request path.
    package func methods(matching path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return routes.withLockedValue { list in
            list.filter { route in
                route.segments.count == segments.count
                    && zip(route.segments, segments).allSatisfy { pattern, segment in
                        pattern.hasPrefix("{") || pattern == segment
                    }
            }.map(\.method)
        }
    }
}
