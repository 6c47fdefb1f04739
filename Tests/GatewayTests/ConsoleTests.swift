import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import Postgres

/// The web console over HTTP: sign-in, cookies, CSRF, CSP, pages and actions. (A real
/// browser drives it in `ConsoleBrowserTests`.)
@Suite struct ConsoleTests {
    static func cookie(_ response: TestResponse, _ name: String) -> String? {
        response.headers[values: .setCookie].first { $0.hasPrefix("\(name)=") }
    }

    static func value(ofCookie header: String?) -> String {
        String(header?.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last ?? "")
    }

    /// The first hidden `csrf` field of a page.
    static func csrf(_ page: String) -> String {
        guard let range = page.range(of: #"name="csrf" value=""#) else { return "" }
        return String(page[range.upperBound...].prefix { $0 != "\"" })
    }

    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// Signs in through the form; returns the session cookie's value.
    static func signIn(_ client: any TestClientProtocol, _ email: String) async throws -> TestResponse {
        let page = try await client.send(.get, "/console/login")
        let nonce = value(ofCookie: cookie(page, "console_login"))
        var headers = form
        headers[.cookie] = "\("console_login")=\(nonce)"
        return try await client.send(
            .post, "/console/login", json: "email=\(email)&password=Passw0rd%21&csrf=\(csrf(page.text))", headers: headers)
    }

    @Test func signInIsForAdministratorsWithCookiesAndCSRF() async throws {
        try await TestApp.run(["ADMIN_EMAILS": "root@example.com", "COOKIE_SECURE": "false"]) { client, services in
            try await client.register(email: "root@example.com")
            #expect(try await services.admins.setAdmin(email: "root@example.com", true))
            try await client.register(email: "user@example.com")
            // Signed out: pages redirect, actions are refused.
            let away = try await client.send(.get, "/console")
            #expect(away.status == .seeOther)
            #expect(away.headers[.location] == "/console/login")
            #expect(try await client.send(.post, "/console/logout", json: "", headers: Self.form).status == .forbidden)
            let page = try await client.send(.get, "/console/login")
            #expect(page.status == .ok)
            #expect(page.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            #expect(page.headers[.contentSecurityPolicy]?.contains("unsafe") == false)
            let login = try #require(Self.cookie(page, "console_login"))
            #expect(login.contains("HttpOnly") && login.contains("SameSite=Strict") && login.contains("Path=/console"))
            #expect(Self.csrf(page.text) == Self.value(ofCookie: login))
            // Without the bound cookie the form is refused.
            let forged = try await client.send(
                .post, "/console/login", json: "email=root@example.com&password=Passw0rd%21&csrf=x", headers: Self.form)
            #expect(forged.status == .forbidden)
            #expect(try await Self.signIn(client, "root@example.com&password=wrong").status == .unauthorized)
            // Someone else signs in, and is turned away with their session ended.
            let user = try await Self.signIn(client, "user@example.com")
            #expect(user.status == .forbidden)
            #expect(Self.cookie(user, "console_session") == nil)
            let live = try await services.pool.query("SELECT count(*)::int AS n FROM refresh_tokens WHERE NOT revoked")
            #expect(try live.first?.decode("n", as: Int.self) == 0)
            let admin = try await Self.signIn(client, "root@example.com")
            #expect(admin.status == .seeOther)
            #expect(admin.headers[.location] == "/console")
            let session = try #require(Self.cookie(admin, "console_session"))
            #expect(session.contains("HttpOnly") && session.contains("SameSite=Strict") && session.contains("Path=/console"))
        }
    }

    @Test func pagesRenderAndActionsNeedTheToken() async throws {
        try await TestApp.run(["ADMIN_EMAILS": "root@example.com", "COOKIE_SECURE": "false"]) { client, services in
            try await client.register(email: "root@example.com")
            #expect(try await services.admins.setAdmin(email: "root@example.com", true))
            let victim = try #require(
                try await client.register(name: "Vic <b>", email: "victim@example.com").json()["id"] as? Int)
            let access = try await client.login(email: "root@example.com").access
            _ = try await OpenAICompatibilityTests.key(client, token: access)
            #expect(try await client.send(.post, "/api/v1/chat", json: #"{"message":"hi"}"#, bearer: access).status == .ok)
            let signedIn = try await Self.signIn(client, "root@example.com")
            let session = Self.value(ofCookie: Self.cookie(signedIn, "console_session"))
            let cookie: HTTPFields = [.cookie: "\("console_session")=\(session)"]
            var token = ""
            for (path, heading) in [
                ("/console", "Overview"), ("/console/users", "Users"), ("/console/keys", "Keys"), ("/console/bots", "Bots"),
                ("/console/events", "Security events"), ("/console/playground", "Playground"),
                ("/console/users?search=victim", "Users"), ("/console/events?kind=login_ok", "Security events"),
            ] {
                let page = try await client.send(.get, path, headers: cookie)
                #expect(page.status == .ok, "\(path)")
                #expect(page.text.contains("<h1>\(heading)</h1>"), "\(path)")
                #expect(page.headers[.contentSecurityPolicy] == ConsolePage.policy)
                // Names are escaped, never markup.
                #expect(page.text.contains("Vic <b>") == false)
                token = Self.csrf(page.text)
            }
            #expect(try await client.send(.get, "/console", headers: cookie).text.contains("<svg"))
            #expect(try await client.send(.get, "/console/users", headers: cookie).text.contains("Vic &lt;b&gt;"))
            #expect(try await client.send(.get, "/console/console.js").status == .ok)
            #expect(try await client.send(.get, "/console/console.css").status == .ok)
            var headers = cookie
            headers[.contentType] = "application/x-www-form-urlencoded"
            let disable = "/console/users/\(victim)/disable"
            #expect(try await client.send(.post, disable, json: "csrf=wrong", headers: headers).status == .forbidden)
            #expect(try await client.send(.post, disable, json: "csrf=\(token)", headers: headers).status == .seeOther)
            let disabled = try await services.pool.query("SELECT disabled_at IS NOT NULL AS off FROM users WHERE id = \(victim)")
            #expect(try disabled.first?.decode("off", as: Bool.self) == true)
            #expect(
                try await client.send(.post, "/console/users/\(victim)/enable", json: "csrf=\(token)", headers: headers).status
                    == .seeOther)
            let key = try #require(try await services.pool.query("SELECT id, user_id FROM api_keys").first)
            let revoke = "/console/keys/\(try key.decode("id", as: UUID.self).lowercasedString)/revoke"
            let owner = try key.decode("user_id", as: Int.self)
            #expect(
                try await client.send(.post, revoke, json: "csrf=\(token)&user=\(owner)", headers: headers).status == .seeOther)
            #expect(
                try await client.send(.post, revoke, json: "csrf=\(token)&user=\(owner)", headers: headers).status == .notFound)
            #expect(try await client.send(.post, revoke, json: "csrf=%zz", headers: headers).status == .badRequest)
            var json = cookie
            json[.contentType] = "application/json"
            let body = #"{"message":"stream me"}"#
            #expect(
                try await client.send(.post, "/console/playground/stream", json: body, headers: json).status == .forbidden)
            json[ConsoleAuth.csrfHeader] = token
            let streamed = try await client.send(.post, "/console/playground/stream", json: body, headers: json)
            #expect(streamed.text.contains("event: delta"))
            #expect(try await client.send(.post, "/console/logout", json: "csrf=\(token)", headers: headers).status == .seeOther)
            #expect(try await client.send(.get, "/console", headers: cookie).status == .seeOther)
        }
    }

    @Test func formsAndMarkupAreParsedAndEscaped() {
        #expect(FormBody.parse(Array("a=1&b=%41+b&a=2&flag".utf8)) == ["a": "1", "b": "A b", "flag": ""])
        #expect(FormBody.parse(Array("a=%zz".utf8)) == nil)
        #expect(FormBody.parse(Array("a=%C3".utf8)) == nil)
        #expect(FormBody.parse(Array("a=%4".utf8)) == nil)
        #expect(FormBody.parse(Array(repeating: "x=1", count: 65).joined(separator: "&").utf8) == nil)
        let name = "<script>\"'&"
        #expect(HTML("<p>\(name)</p>").description == "<p>&lt;script&gt;&quot;&#39;&amp;</p>")
        #expect(ConsoleAuth.same("abc", "abc") && ConsoleAuth.same("abc", "abd") == false && ConsoleAuth.same("", "") == false)
    }
}
