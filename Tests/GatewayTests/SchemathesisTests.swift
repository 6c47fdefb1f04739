import Foundation
import Testing

/// Schemathesis (PyPI, installed by `scripts/test`) generates requests from the OpenAPI
/// document for every operation, valid and invalid, and checks each answer: no server
/// error, a documented status, content type, headers and schema, valid data accepted and
/// invalid data rejected. A fixed seed keeps CI reproducible.
@Suite struct SchemathesisTests {
    @Test func everyOperationConformsToTheDocument() async throws {
        let python = ProcessInfo.processInfo.environment["TEST_PYTHON"] ?? "python3"
        let schemathesis = URL(fileURLWithPath: python).deletingLastPathComponent().appendingPathComponent("schemathesis").path
        try #require(
            FileManager.default.isExecutableFile(atPath: schemathesis), "schemathesis is not installed: run scripts/test")
        let settings = [
            "METRICS_USER": "scraper", "METRICS_PASS": "s3cret-scrape", "LOGIN_MAX_FAILURES": "100000",
            "LOGIN_MAX_FAILURES_PER_IP": "100000", "REFRESH_MAX_PER_IP": "100000",
        ]
        try await TestApp.run(settings) { client, _ in
            try await client.register(email: "schema@example.com")
            let token = try await client.login(email: "schema@example.com").access
            let port = try #require(client.port)
            // `scripts/fuzz-api` passes fresh random seeds; the suite keeps one fixed seed.
            let seeds = (ProcessInfo.processInfo.environment["SCHEMATHESIS_SEEDS"] ?? "20261126").split(separator: " ")
            for seed in seeds {
                print("==> Schemathesis seed \(seed)")
                let status = try await Subprocess.run(
                    [
                        schemathesis, "run", "http://127.0.0.1:\(port)/openapi.json", "--header",
                        "Authorization: Bearer \(token)", "--checks", "all", "--max-examples", "25", "--seed", String(seed),
                        "--workers", "1", "--generation-database", "none", "--no-color",
                    ], quiet: false)
                #expect(status == 0, "seed \(seed): schemathesis found departures from openapi.json (report above)")
            }
        }
    }
}
