import Foundation
import GatewayCore
import GatewayDomain
import GatewayHTTP
import Hummingbird

/// The console's pages (GET) and actions (POST, CSRF-checked).
extension ConsoleController {
    package func addPages(to pages: RouterGroup<AppRequestContext>) {
        pages.get("users") { request, context in
            let search = request.uri.queryParameters.get("search").map { String($0.prefix(100)) }.flatMap {
                $0.isEmpty ? nil : $0
            }
            return try await usersPage(request, context, search: search)
        }
        pages.get("keys") { request, _ in try await keysPage(request) }
        pages.get("bots") { request, _ in await botsPage(request) }
        pages.get("events") { request, _ in
            let kind = request.uri.queryParameters.get("kind").map { String($0.prefix(32)) }.flatMap { $0.isEmpty ? nil : $0 }
            return try await eventsPage(request, kind: kind)
        }
        pages.get("playground") { request, _ in playgroundPage(request) }
    }

    package func addActions(to pages: RouterGroup<AppRequestContext>) {
        pages.post("users/:id/disable") { request, context in try await setDisabled(request, context, true) }
        pages.post("users/:id/enable") { request, context in try await setDisabled(request, context, false) }
        pages.post("keys/:key/revoke") { request, context in
            let form = try await checked(request)
            guard let key = context.parameters.get("key").flatMap(UUID.init(uuidString:)),
                let user = form["user"].flatMap({ Int($0) }), try await keyAuthenticator.revoke(id: key, userID: user)
            else { throw APIError(.notFound, "API key not found.", code: "not_found") }
            let by = try context.requireUser().id
            context.logger.notice("api key revoked in the console", metadata: ["id": "\(key)", "by": "\(by)"])
            return ConsolePage.redirect("/console/keys")
        }
        pages.post("playground/stream") { request, context in
            guard ConsoleAuth.same(request.headers[ConsoleAuth.csrfHeader] ?? "", csrf(request)) else {
                throw APIError(.forbidden, "Missing or wrong CSRF token.", code: "forbidden")
            }
            return try await chat.chat(request, context: context, stream: true)
        }
    }

    package func overview(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let days = try await overviewCache.days { try await admins.daily(days: 14) }
        func chart(_ title: String, _ value: (DailyStats) -> Double, format: ((Double) -> String)? = nil) -> HTML {
            var chart = Chart(title: title, points: days.map { ($0.day, value($0)) })
            if let format { chart.format = format }
            return chart.svg
        }
        let spend = chart(
            "Spend per day (\(adminAPI.currency))", { Money.units($0.costNanos) }, format: { String(format: "%.4f", $0) })
        let latency = chart(
            "Median latency of stored answers (ms)", { $0.medianLatencyMs ?? 0 }, format: { String(format: "%.0f", $0) })
        let content: HTML = """
            <p class="hint">The last 14 days (UTC), all replicas; read at most once a minute.</p><div class="charts">\
            \(chart("Requests per day", { Double($0.requests) }))\(chart("Errors per day", { Double($0.errors) }))\
            \(latency)\(spend)</div>
            """
        return ConsolePage.render(
            title: "Overview", csrf: csrf(request), user: try context.requireUser().email, content)
    }

    package func usersPage(_ request: Request, _ context: AppRequestContext, search: String?) async throws -> Response {
        let token = csrf(request)
        let me = try context.requireUser()
        let rows = try await admins.users(search: search, limit: 100, after: nil).map { user -> [HTML] in
            let action: HTML =
                user.id == me.id
                ? "<span class=\"hint\">you</span>"
                : user.disabled
                    ? ConsolePage.button("Enable", action: "/console/users/\(user.id)/enable", csrf: token)
                    : ConsolePage.button("Disable", action: "/console/users/\(user.id)/disable", csrf: token, danger: true)
            return [
                "\(user.id)", "\(user.name)", "\(user.email)", user.isAdmin ? "administrator" : "",
                user.disabled ? "<span class=\"bad\">disabled</span>" : "<span class=\"good\">active</span>", action,
            ]
        }
        let content: HTML = """
            <form method="get" action="/console/users" class="search"><input type="search" name="search" \
            value="\(search ?? "")" placeholder="name or email"><button type="submit">Search</button></form>\
            \(ConsolePage.table(["id", "name", "email", "role", "state", ""], rows, empty: "No user matches."))
            """
        return ConsolePage.render(title: "Users", csrf: token, user: me.email, content)
    }

    package func keysPage(_ request: Request) async throws -> Response {
        let token = csrf(request)
        let rows = try await admins.keys(limit: 200).map { key -> [HTML] in
            [
                "\(key.email)", "\(key.name)", "<code>\(key.prefix)…</code>", "\(key.scope.rawValue)",
                "\(key.bots?.joined(separator: ", ") ?? "every bot")", "\(key.createdAt)",
                "\(key.lastUsedAt ?? "never")",
                key.state == "active" ? "<span class=\"good\">active</span>" : "<span class=\"bad\">\(key.state)</span>",
                key.state == "active"
                    ? """
                    <form method="post" action="/console/keys/\(key.id.lowercasedString)/revoke" class="inline">\
                    \(ConsolePage.field(token))<input type="hidden" name="user" value="\(key.userID)">\
                    <button type="submit" class="danger">Revoke</button></form>
                    """ : "",
            ]
        }
        return ConsolePage.render(
            title: "Keys", csrf: token,
            ConsolePage.table(["owner", "name", "prefix", "scope", "bots", "created (UTC)", "last used", "state", ""], rows))
    }

    package func botsPage(_ request: Request) async -> Response {
        func milliseconds(_ value: Double?) -> String { value.map { String(format: "%.1f ms", $0) } ?? "–" }
        let rows = await adminAPI.adminBots().map { bot -> [HTML] in
            [
                "\(bot.info.name)\(bot.info.default ? " (default)" : "")\(bot.info.fallback ? " (fallback)" : "")",
                "\(bot.info.kind)",
                bot.info.healthy ? "<span class=\"good\">healthy</span>" : "<span class=\"bad\">\(bot.info.detail)</span>",
                "\(bot.circuit?.rawValue ?? "–")\(Self.deployments(bot.deployments))", "\(bot.active_calls)",
                "\(bot.calls["ok", default: 0]) ok, \(bot.calls.values.reduce(0, +) - bot.calls["ok", default: 0]) not",
                "\(milliseconds(bot.latency_ms?.p50)) / \(milliseconds(bot.latency_ms?.p99))",
                "\(milliseconds(bot.time_to_first_token_ms?.p50))",
                "\(bot.price.input) / \(bot.price.output) \(bot.price.currency)",
            ]
        }
        return ConsolePage.render(
            title: "Bots", csrf: csrf(request),
            """
            <p class="hint">Health probed now; calls and percentiles are this replica's (last 1,024 calls).</p>\
            \(ConsolePage.table(
                ["bot", "kind", "health", "breaker", "running", "calls", "latency p50 / p99", "first token p50",
                 "price in / out per 1M"], rows))
            """)
    }

    package func eventsPage(_ request: Request, kind: String?) async throws -> Response {
        let events = try await securityEvents?.events(kind: kind, userID: nil, ip: nil, before: nil, limit: 100) ?? []
        let rows = events.map { event -> [HTML] in
            [
                "\(event.at.formatted(.iso8601))", "\(event.kind)", "\(event.userID.map(String.init) ?? "–")",
                "\(event.ip ?? "–")",
                "\(event.detail.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))",
            ]
        }
        return ConsolePage.render(
            title: "Security events", csrf: csrf(request),
            """
            <form method="get" action="/console/events" class="search"><input type="search" name="kind" \
            value="\(kind ?? "")" placeholder="kind, e.g. login_failed"><button type="submit">Filter</button></form>\
            \(ConsolePage.table(["time", "kind", "user", "address", "detail"], rows, empty: "No events."))
            """)
    }

    package func playgroundPage(_ request: Request) -> Response {
        let options = adminAPI.bots.entries.map { entry -> HTML in "<option value=\"\(entry.name)\">\(entry.name)</option>" }
        return ConsolePage.render(
            title: "Playground", csrf: csrf(request),
            """
            <form id="playground" class="playground" data-csrf="\(csrf(request))">
            <label>Bot <select name="bot">\(options)</select></label>
            <label>Message <textarea name="message" rows="3" maxlength="4096" required></textarea></label>
            <button type="submit">Send</button></form>
            <pre id="reply" aria-live="polite"></pre><p id="status" class="hint"></p>
            """)
    }

    private func setDisabled(_ request: Request, _ context: AppRequestContext, _ disabled: Bool) async throws -> Response {
        _ = try await checked(request)
        let id = try AdminController.target(context)
        guard try await admins.setDisabled(userID: id, disabled) else { throw AdminController.noSuchUser }
        adminAPI.userCache?.invalidate(id)
        let by = try context.requireUser().id
        context.logger.notice(
            disabled ? "user disabled in the console" : "user enabled in the console",
            metadata: ["user_id": "\(id)", "by": "\(by)"])
        return ConsolePage.redirect("/console/users")
    }

    /// A bot's deployments under its breaker: each one's circuit, calls and failures.
    static func deployments(_ deployments: [AdminController.AdminDeployment]?) -> HTML {
        guard let deployments else { return "" }
        let items = deployments.map { deployment -> HTML in
            let circuit: HTML =
                deployment.circuit == .closed
                ? "\(deployment.circuit.rawValue)" : "<span class=\"bad\">\(deployment.circuit.rawValue)</span>"
            return
                "<li>#\(deployment.name) ×\(deployment.weight): \(circuit), \(deployment.calls) calls, \(deployment.failures) failed</li>"
        }
        return "<ul class=\"deployments\">\(items)</ul>"
    }
}
