import Foundation
import HTTPTypes
import Testing

/// One bot served by several deployments: calls spread by weight, a deployment's 429 and
/// 500 move the call to another before any output (no client sees them), and its circuit
/// opens; each deployment's figures are in the admin API and `/metrics`.
@Suite struct DeploymentTests {
    @Test func callsSpreadByWeightAndMoveOffAFailingDeployment() async throws {
        let answer = FixedUpstream.completion(usage: #"{"prompt_tokens":3,"completion_tokens":1}"#)
        let light = try await FixedUpstream.start(body: answer)
        let heavy = try await FixedUpstream.start(body: answer)
        // Three 429s (not held against it), then 500s: its circuit opens at the third 500.
        let failing = try await FixedUpstream.start(
            statuses: { $0 <= 3 ? .tooManyRequests : .internalServerError }, body: #"{"error":{"message":"no"}}"#)
        defer { [light, heavy, failing].forEach { $0.stop() } }
        let settings = [
            "BOTS": "spread=http", "BOT_SPREAD_URL": "\(light.base), \(heavy.base),\(failing.base)",
            "BOT_SPREAD_WEIGHTS": "1,3,2", "BOT_SPREAD_MODEL": "m", "BOT_SPREAD_API_KEY": "sk-a,sk-b,sk-c",
            "BOT_SPREAD_STREAM": "false", "BOT_SPREAD_RETRIES": "0", "BOT_SPREAD_BREAKER_FAILURES": "3",
            "BOT_SPREAD_BREAKER_COOLDOWN_SECONDS": "600", "ADMIN_EMAILS": "ops@example.com",
            "METRICS_USER": "scraper", "METRICS_PASS": "s3cret-scrape",
        ]
        try await TestApp.run(settings) { client, services in
            let token = try await AdminTests.admin(client, services, "ops@example.com")
            let body = #"{"model":"spread","messages":[{"role":"user","content":"hi"}]}"#
            var refused: [Int] = []
            func call() async throws {
                let response = try await client.send(.post, "/v1/chat/completions", json: body, bearer: token)
                if response.status != .ok { refused.append(response.status.code) }
            }
            // Until its circuit opens: each 429 passes it over for a second (no Retry-After),
            // each 500 counts against its breaker.
            let start = ContinuousClock.now
            while failing.requests < 6, ContinuousClock.now < start + .seconds(60) { try await call() }
            #expect(failing.requests == 6)
            let before = (light.requests, heavy.requests)
            for _ in 0..<300 { try await call() }
            #expect(refused.isEmpty, "clients saw \(refused)")
            // Every call ended on a healthy deployment, in the weights' proportion (1 : 3).
            let (lightShare, heavyShare) = (light.requests - before.0, heavy.requests - before.1)
            #expect(lightShare + heavyShare == 300)
            #expect((45...105).contains(lightShare), "light \(lightShare), heavy \(heavyShare)")
            // Its circuit kept calls away since.
            #expect(failing.requests == 6)

            await services.bots.health.refresh(services.bots)
            let bots = try AdminOpsTests.array(try await client.send(.get, "/api/v1/admin/bots", bearer: token))
            let spread = try #require(bots.first { $0["name"] as? String == "spread" })
            let deployments = try #require(spread["deployments"] as? [[String: Any]])
            #expect(deployments.map { $0["circuit"] as? String } == ["closed", "closed", "open"])
            #expect(deployments.map { $0["weight"] as? Int } == [1, 3, 2])
            #expect(deployments[2]["calls"] as? Int == 6 && deployments[2]["failures"] as? Int == 6)
            #expect(deployments[0]["calls"] as? Int == light.requests)
            // Healthy while one deployment is; the detail names the one that is not.
            #expect(spread["healthy"] as? Bool == true)
            #expect(spread["detail"] as? String == "deployment 3: circuit open")
            let basic = "Basic " + Data("scraper:s3cret-scrape".utf8).base64EncodedString()
            let metrics = try await client.send(.get, "/metrics", headers: [.authorization: basic]).text
            #expect(metrics.contains(#"gateway_bot_deployment_circuit_open{bot="spread",deployment="3"} 1"#))
            #expect(metrics.contains(#"gateway_bot_deployment_failures_total{bot="spread",deployment="3"} 6"#))
            #expect(metrics.contains(#"gateway_bot_deployment_calls_total{bot="spread",deployment="2"} \#(heavy.requests)"#))
        }
    }

    /// A deployment that answered 500 may have run the call: the call goes elsewhere, and
    /// is never sent to it again, even when the other deployment needs a second try.
    @Test func aCallIsNeverResentToADeploymentThatMayHaveRunIt() async throws {
        let answer = FixedUpstream.completion(usage: #"{"prompt_tokens":3,"completion_tokens":1}"#)
        let broken = try await FixedUpstream.start(status: .internalServerError, body: #"{"error":{"message":"no"}}"#)
        let busy = try await FixedUpstream.start(statuses: { $0 == 1 ? .serviceUnavailable : .ok }, body: answer)
        defer { [broken, busy].forEach { $0.stop() } }
        let settings = [
            "BOTS": "pair=http", "BOT_PAIR_URL": "\(broken.base),\(busy.base)", "BOT_PAIR_MODEL": "m",
            "BOT_PAIR_STREAM": "false", "BOT_PAIR_RETRIES": "1", "BOT_PAIR_RETRY_BASE_MS": "10",
        ]
        try await TestApp.run(settings) { client, _ in
            try await client.register(email: "pair@example.com")
            let token = try await client.login(email: "pair@example.com").access
            let response = try await client.send(
                .post, "/v1/chat/completions", json: #"{"model":"pair","messages":[{"role":"user","content":"hi"}]}"#,
                bearer: token)
            #expect(response.status == .ok)
            // Whichever came first: one 500 from the broken one, a 503 then the answer from the other.
            #expect((broken.requests, busy.requests) == (1, 2))
        }
    }
}
