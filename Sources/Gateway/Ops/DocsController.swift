import Hummingbird

/// `GET /openapi.json` (the document) and `GET /docs` (Swagger UI from a CDN). Only the
/// docs page relaxes the Content-Security-Policy, to load the viewer.
struct DocsController {
    static let docsPolicy =
        "default-src 'none'; script-src https://cdn.jsdelivr.net 'unsafe-inline'; "
        + "style-src https://cdn.jsdelivr.net 'unsafe-inline'; img-src 'self' data: https://cdn.jsdelivr.net; "
        + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"

    static let page = """
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <title>Bot gateway API</title>
          <link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css">
        </head>
        <body>
          <div id="ui"></div>
          <script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
          <script>SwaggerUIBundle({ url: "/openapi.json", dom_id: "#ui" });</script>
        </body>
        </html>
        """

    func addRoutes(to router: Router<AppRequestContext>, table: RouteTable) {
        Routes(router, prefix: "", table: table)
            .on(.get, "openapi.json") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
            }
            .on(.get, "docs") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "text/html; charset=utf-8", .contentSecurityPolicy: Self.docsPolicy],
                    body: .init(byteBuffer: ByteBuffer(string: Self.page)))
            }
    }
}
