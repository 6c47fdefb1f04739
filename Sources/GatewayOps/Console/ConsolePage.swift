import Foundation
import GatewayCore
import GatewayDomain
import GatewayHTTP
import HTTPTypes
import Hummingbird

/// The console's page frame: navigation, the sign-out form and the content; a strict CSP
/// (scripts and styles only from `/console/`, no inline script or style, forms only to
/// this origin, no framing).
package enum ConsolePage {
    package static let policy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    package static let sections: [(path: String, title: String)] = [
        ("/console", "Overview"), ("/console/users", "Users"), ("/console/keys", "Keys"), ("/console/bots", "Bots"),
        ("/console/events", "Security events"), ("/console/playground", "Playground"),
    ]

    /// A whole page; `csrf` nil for the signed-out sign-in page.
    package static func render(title: String, csrf: String?, user: String? = nil, notice: String? = nil, _ content: HTML)
        -> Response
    {
        let navigation: HTML =
            csrf == nil
            ? ""
            : """
            <nav>\(sections.map { section -> HTML in
                section.title == title
                    ? "<a href=\"\(section.path)\" aria-current=\"page\">\(section.title)</a>"
                    : "<a href=\"\(section.path)\">\(section.title)</a>"
            })<form method="post" action="/console/logout" class="signout">\(field(csrf))\
            <span>\(user ?? "")</span><button type="submit">Sign out</button></form></nav>
            """
        let page: HTML = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · bot gateway console</title><link rel="icon" href="/console/icon.svg" type="image/svg+xml">
            <link rel="stylesheet" href="/console/console.css">
            <script src="/console/console.js" defer></script></head>
            <body><header><strong>bot gateway</strong> console</header>\(navigation)
            <main><h1>\(title)</h1>\(notice.map { text -> HTML in "<p class=\"notice\" role=\"status\">\(text)</p>" } ?? "")\(content)</main>
            </body></html>
            """
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8", .contentSecurityPolicy: policy, .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(string: page.description)))
    }

    /// The hidden CSRF field of a form.
    package static func field(_ csrf: String?) -> HTML {
        "<input type=\"hidden\" name=\"csrf\" value=\"\(csrf ?? "")\">"
    }

    /// A one-button form posting to `action`.
    package static func button(_ label: String, action: String, csrf: String, danger: Bool = false) -> HTML {
        """
        <form method="post" action="\(action)" class="inline">\(field(csrf))\
        <button type="submit"\(HTML(raw: danger ? " class=\"danger\"" : ""))>\(label)</button></form>
        """
    }

    /// A table of rows of cells (already HTML).
    package static func table(_ headers: [String], _ rows: [[HTML]], empty: String = "Nothing yet.") -> HTML {
        guard rows.isEmpty == false else { return "<p class=\"empty\">\(empty)</p>" }
        return """
            <table><thead><tr>\(headers.map { header -> HTML in "<th>\(header)</th>" })</tr></thead><tbody>\
            \(rows.map { row -> HTML in "<tr>\(row.map { cell -> HTML in "<td>\(cell)</td>" })</tr>" })</tbody></table>
            """
    }

    /// A redirect after a form (303: the browser follows with a GET).
    package static func redirect(_ location: String, cookies: [String] = []) -> Response {
        var headers: HTTPFields = [.location: location, .cacheControl: "no-store"]
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: headers)
    }
}
