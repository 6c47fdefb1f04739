import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import Postgres

@Suite struct ObservabilityTests {
    static let credentials = ["METRICS_USER": "scraper", "METRICS_PASS": "s3cret-scrape"]
    static var basic: String { "Basic " + Data("scraper:s3cret-scrape".utf8).base64EncodedString() }

    @Test func metricsNeedBasicCredentials() async throws {
        try await TestApp.run(Self.credentials) { client, _ in
            let expected = #"{"detail":"Invalid credentials","code":"http_error"}"#
            for header in [nil, "Basic " + Data("scraper:wrong".utf8).base64EncodedString(), "Bearer x", "Basic !!!"] {
                var headers: HTTPFields = [:]
                if let header { headers[.authorization] = header }
                let response = try await client.send(.get, "/metrics", headers: headers)
                #expect(response.status == .unauthorized)
                #expect(response.text == expected)
                #expect(response.headers[.wwwAuthenticate] == "Basic")
            }
        }
        try await TestApp.run { client, _ in
            // No credentials configured: nobody may scrape.
            let response = try await client.send(.get, "/metrics", headers: [.authorization: Self.basic])
            #expect(response.status == .unauthorized)
        }
    }

    @Test func scrapeAfterTrafficShowsEveryFamily() async throws {
        try await TestApp.run(Self.credentials) { client, services in
            try await client.register(email: "metrics@example.com")
            #expect((try await client.register(email: "metrics@example.com")).status == .conflict)
            _ = try? await services.pool.query("SELECT 1 / \(0)::int")
            let token = try await client.login(email: "metrics@example.com").access
            let chat = try await client.send(.post, "/api/v1/chat", json: #"{"message":"count me"}"#, bearer: token).json()
            let id = try #require(chat["conversation_id"] as? String)
            _ = try await client.send(.get, "/api/v1/conversations/\(id)", bearer: token)
            _ = try await client.send(.get, "/no/such/route")
            let response = try await client.send(.get, "/metrics", headers: [.authorization: Self.basic])
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = response.text
            for family in [
                #"gateway_http_requests_total{route="/api/v1/chat",method="POST",status="200"}"#,
                #"gateway_http_requests_total{route="/api/v1/conversations/{id}",method="GET",status="200"}"#,
                #"gateway_http_requests_total{route="unmatched",method="GET",status="404"}"#,
                "gateway_http_request_duration_seconds_bucket{", "gateway_http_requests_in_flight",
                #"gateway_bot_calls_total{bot="default",outcome="ok"}"#, "gateway_bot_latency_seconds_bucket{",
                "gateway_bot_time_to_first_token_seconds_bucket{", #"gateway_bot_tokens_total{bot="default",direction="input"}"#,
                #"gateway_bot_tokens_total{bot="default",direction="output"}"#,
                #"gateway_bot_upstream_connections_total{bot="default"} 0"#,
                #"gateway_db_pool_connections{state="idle"}"#, "gateway_db_pool_wait_seconds_bucket",
                #"gateway_db_errors_total{class="22"}"#, #"gateway_security_events_total{type="login_ok"}"#,
                "gateway_process_resident_memory_bytes", "gateway_process_open_fds", "gateway_process_start_time_seconds",
                "gateway_process_threads", "gateway_build_info{",
            ] {
                #expect(text.contains(family), "missing \(family)")
            }
            #expect(text.contains(id) == false, "raw paths must not become labels")
            // The reference's format test: every family has `# HELP` and `# TYPE` lines.
            let lines = text.split(separator: "\n")
            let types = lines.filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
            let helps = lines.filter { $0.hasPrefix("# HELP ") }.map { $0.split(separator: " ")[2] }
            #expect(types.isEmpty == false)
            #expect(types == helps)
            #expect(text.contains("# HELP gateway_http_requests_total HTTP requests by route, method and status."))
            let rss = text.split(separator: "\n").first { $0.hasPrefix("gateway_process_resident_memory_bytes ") }
            #expect((rss?.split(separator: " ").last).flatMap { Double($0) } ?? 0 > 1_000_000)
        }
    }

    @Test func theDocumentDescribesExactlyTheRegisteredRoutes() async throws {
        try await TestApp.run { client, services in
            let response = try await client.send(.get, "/openapi.json")
            #expect(response.status == .ok)
            let document = try response.json()
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0.uppercased()) \(path)" } })
            // The console's pages are for browsers (docs/operations.md), not part of the API.
            let registered = Set(
                buildRouter(services).routes.map { "\($0.method) \($0.path)" }.filter { $0.contains(" /console") == false })
            #expect(
                documented == registered,
                "only documented: \(documented.subtracting(registered)), only routed: \(registered.subtracting(documented))")
            let docs = try await client.send(.get, "/docs")
            #expect(docs.status == .ok)
            #expect(docs.text.contains("/openapi.json"))
            // Nothing from the network: the viewer is served by the gateway under a strict policy.
            let policy = try #require(docs.headers[.contentSecurityPolicy])
            #expect(policy.contains("script-src 'self';"))
            #expect(policy.contains("http") == false)
            #expect(docs.text.contains("https://") == false)
            for asset in ["/docs/docs.js", "/docs/docs.css"] {
                let response = try await client.send(.get, asset)
                #expect(response.status == .ok)
                #expect(response.text.contains("http") == false)
            }
            let other = try await client.send(.get, "/live")
            #expect(other.headers[.contentSecurityPolicy] == "default-src 'none'; frame-ancestors 'none'; base-uri 'none'")
        }
    }

    @Test func theDocumentValidatesAsOpenAPI31() async throws {
        let path = OpenAPIConformance.documentPath
        let script = "import json,sys; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1])))"
        let python = ProcessInfo.processInfo.environment["TEST_PYTHON"] ?? "python3"
        #expect(try await Subprocess.run(["/usr/bin/env", python, "-c", script, path]) == 0)
    }
}
