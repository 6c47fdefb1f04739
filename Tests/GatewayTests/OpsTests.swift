import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps

@Suite struct OpsTests {
    @Test func liveReadyHealth() async throws {
        try await TestApp.run { client, _ in
            let live = try await client.send(.get, "/live")
            #expect(live.status == .ok)
            #expect(live.text == #"{"status":"alive"}"#)
            let ready = try await client.send(.get, "/ready")
            #expect(ready.status == .ok)
            #expect(ready.text == #"{"status":"ready"}"#)
            let health = try await client.send(.get, "/health")
            #expect(try health.json() as NSDictionary == ["status": "ok", "db": "ok"])
        }
    }

    @Test func readyIs503WhenTheDatabaseIsUnreachable() async throws {
        let name = try await TestDatabase.createMigrated()
        try await TestApp.run(["DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none"], database: name) { client, _ in
            let ready = try await client.send(.get, "/ready")
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.text == #"{"status":"not ready"}"#)
            let health = try await client.send(.get, "/health")
            #expect(try health.json() as NSDictionary == ["status": "error", "db": "down"])
            #expect((try await client.send(.get, "/live")).status == .ok)
            // A route that needs the database answers 503 in the error shape, not 500.
            let login = try await client.send(.post, "/api/v1/users/login", json: #"{"email":"a@b.co","password":"Passw0rd!"}"#)
            #expect(login.status == .serviceUnavailable)
            #expect(try login.json()["code"] as? String == "service_unavailable")
        }
    }

    @Test func securityHeadersOnEveryResponse() async throws {
        try await TestApp.run { client, _ in
            for uri in ["/live", "/nowhere", "/api/v1/users/me"] {
                let response = try await client.send(.get, uri)
                #expect(response.headers[.init("X-Content-Type-Options")!] == "nosniff")
                #expect(response.headers[.init("X-Frame-Options")!] == "DENY")
                #expect(response.headers[.init("Referrer-Policy")!] == "no-referrer")
                #expect(response.headers[.init("Permissions-Policy")!] == "geolocation=(), microphone=(), camera=()")
                #expect(
                    response.headers[.contentSecurityPolicy] == "default-src 'none'; frame-ancestors 'none'; base-uri 'none'")
            }
        }
    }

    @Test func unknownRouteAndWrongMethod() async throws {
        try await TestApp.run { client, _ in
            let missing = try await client.send(.get, "/api/v1/nothing")
            #expect(missing.status == .notFound)
            #expect(try missing.json() as NSDictionary == ["detail": "Not Found", "code": "http_error"])
            let wrong = try await client.send(.get, "/api/v1/users/login")
            #expect(wrong.status == .methodNotAllowed)
            #expect(try wrong.json() as NSDictionary == ["detail": "Method Not Allowed", "code": "http_error"])
            #expect(wrong.headers[.allow] == "POST")
        }
    }

    @Test func requestIDIsEchoedOrGenerated() async throws {
        try await TestApp.run { client, _ in
            let given = try await client.send(.get, "/live", headers: [.init("X-Request-ID")!: "abc-123"])
            #expect(given.headers[.init("X-Request-ID")!] == "abc-123")
            let generated = try await client.send(.get, "/live", headers: [.init("X-Request-ID")!: "bad id with spaces"])
            let id = try #require(generated.headers[.init("X-Request-ID")!])
            #expect(id != "bad id with spaces" && id.count == 36)
        }
    }

    @Test func bodiesOfEveryShapeGetTheContractErrors() async throws {
        try await TestApp.run(["MAX_BODY_BYTES": "2048"]) { client, _ in
            let register = "/api/v1/users/register"
            let notJSON = try await client.send(.post, register, json: "{not json")
            #expect(notJSON.status == .unprocessableContent)
            let item = try #require((try notJSON.json()["detail"] as? [[String: Any]])?.first)
            #expect(item["type"] as? String == "json_invalid")
            #expect(item["msg"] as? String == "JSON decode error")
            #expect((item["loc"] as? [Any])?.first as? String == "body")

            let array = try await client.send(.post, register, json: "[1,2]")
            let arrayItem = try #require((try array.json()["detail"] as? [[String: Any]])?.first)
            #expect(arrayItem["type"] as? String == "model_attributes_type")
            #expect(arrayItem["msg"] as? String == "Input should be a valid dictionary or object to extract fields from")
            #expect(arrayItem["loc"] as? [String] == ["body"])

            let badUTF8 = try await client.execute(
                uri: register, method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(bytes: [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x3A, 0x31, 0x7D]))
            #expect(badUTF8.status == .unprocessableContent)

            let huge = try await client.send(.post, register, json: "{\"name\":\"" + String(repeating: "x", count: 5000) + "\"}")
            #expect(huge.status == .contentTooLarge)
            #expect(try huge.json()["code"] as? String == "http_error")

            let empty = try await client.send(.post, register, json: "")
            #expect(empty.status == .unprocessableContent)

            let xml = try await client.send(.post, register, json: "<a/>", headers: [.contentType: "application/xml"])
            #expect(xml.status == .unsupportedMediaType)
            #expect(try xml.json()["code"] as? String == "http_error")
        }
    }
}
