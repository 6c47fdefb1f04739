import GatewayCore
import GatewayDomain
import GatewayHTTP
import Hummingbird

/// `GET /openapi.json` (the document, `Docs/openapi.json` compiled in) and `GET /docs` (a page of our own that renders it,
/// with its script and style under `/docs/`; nothing is loaded from the network).
package struct DocsController {

    package init() {
    }

    package func addRoutes(to router: Router<AppRequestContext>) {
        router
            .get("openapi.json") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_json)))
            }
            .get("docs") { _, _ in Self.asset(DocsPage.html, type: "text/html; charset=utf-8") }
            .get("docs/docs.js") { _, _ in Self.asset(DocsPage.script, type: "text/javascript; charset=utf-8") }
            .get("docs/docs.css") { _, _ in Self.asset(DocsPage.css, type: "text/css; charset=utf-8") }
    }

    private static func asset(_ text: String, type: String) -> Response {
        asset(ByteBuffer(string: text), type: type, policy: DocsPage.policy)
    }

    /// A static file of a page of ours (the docs', the console's) under that page's CSP.
    package static func asset(_ body: ByteBuffer, type: String, policy: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .contentSecurityPolicy: policy, .cacheControl: "no-cache"],
            body: .init(byteBuffer: body))
    }
}
