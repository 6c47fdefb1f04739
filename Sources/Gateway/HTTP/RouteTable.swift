import Hummingbird
import NIOConcurrencyHelpers

/// The method and path template of every registered route. The error middleware uses it
/// to answer 405 (with `Allow`) instead of 404 for a known path, and the tests compare
/// it with the OpenAPI document.
public final class RouteTable: Sendable {
    private let entries = NIOLockedValueBox<[(method: HTTPRequest.Method, path: String)]>([])

    public init() {}

    func add(_ method: HTTPRequest.Method, _ path: String) {
        entries.withLockedValue { $0.append((method, path)) }
    }

    /// All routes as `METHOD /path` with `{param}` placeholders.
    public var all: [(method: String, path: String)] {
        entries.withLockedValue { list in
            list.map { entry in
                let path = entry.path.split(separator: "/").map { segment in
                    segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
                }.joined(separator: "/")
                return (entry.method.rawValue, "/" + path)
            }
        }
    }

    /// Methods registered for a concrete request path.
    func methods(matching path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return entries.withLockedValue { list in
            list.filter { entry in
                let pattern = entry.path.split(separator: "/", omittingEmptySubsequences: true)
                guard pattern.count == segments.count else { return false }
                return zip(pattern, segments).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
            }.map(\.method)
        }
    }
}

/// A router group that records each route it adds in a `RouteTable`.
struct Routes {
    let group: RouterGroup<AppRequestContext>
    let prefix: String
    let table: RouteTable

    init(
        _ router: Router<AppRequestContext>, prefix: String, table: RouteTable,
        middleware: [any MiddlewareProtocol<Request, Response, AppRequestContext>] = []
    ) {
        var group = router.group(RouterPath(prefix))
        for m in middleware { group = group.add(middleware: m) }
        self.group = group
        self.prefix = prefix
        self.table = table
    }

    @discardableResult
    func on(
        _ method: HTTPRequest.Method, _ path: String = "",
        use handler: @Sendable @escaping (Request, AppRequestContext) async throws -> some ResponseGenerator
    ) -> Routes {
        table.add(method, path.isEmpty ? prefix : prefix + "/" + path)
        group.on(RouterPath(path), method: method, use: handler)
        return self
    }
}
