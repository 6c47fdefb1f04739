import BotKit
import Testing

@testable import BotTransport
@testable import HTTPBot

/// `URL`, `API_KEY`, `MODEL` and `WEIGHTS` as lists: one bot over several deployments.
@Suite struct DeploymentSettingsTests {
    static func settings(_ values: [String: String]) throws -> HTTPBotSettings {
        try HTTPBotSettings(
            BotConfiguration(name: "x", kind: "http", prefix: "BOT_X_", settings: values, timeout: .seconds(1)))
    }

    @Test func listsGiveOneDeploymentPerURL() throws {
        let settings = try Self.settings([
            "URL": "https://a/v1/, https://b/v1", "MODEL": "m", "API_KEY": "k1,k2", "WEIGHTS": "1, 4", "BALANCE": "weighted",
        ])
        #expect(settings.deployments.map(\.baseURL) == ["https://a/v1", "https://b/v1"])
        #expect(settings.deployments.map(\.apiKey) == ["k1", "k2"])
        #expect(settings.deployments.map(\.model) == ["m", "m"])
        #expect(settings.deployments.map(\.weight) == [1, 4])
        #expect(settings.balance == .weighted)
        #expect((settings.baseURL, settings.apiKey) == ("https://a/v1", "k1"))
        let one = try Self.settings(["URL": "http://a", "MODEL": "m"])
        #expect(one.deployments.count == 1 && one.balance == .leastInFlight && one.deployments[0].apiKey == nil)
    }

    @Test func aBadListNamesItsVariable() {
        let cases: [([String: String], String)] = [
            (["URL": "http://a,ftp://b", "MODEL": "m"], "BOT_X_URL"),
            (["URL": "http://a,", "MODEL": "m"], "BOT_X_URL"),
            (["URL": "http://a,http://b", "MODEL": "m", "API_KEY": "k1,k2,k3"], "BOT_X_API_KEY"),
            (["URL": "http://a,http://b", "MODEL": "m", "API_KEY": "k1,"], "BOT_X_API_KEY"),
            (["URL": "http://a,http://b", "MODEL": "m,n,o"], "BOT_X_MODEL"),
            (["URL": "http://a,http://b", "MODEL": "m", "WEIGHTS": "1"], "BOT_X_WEIGHTS"),
            (["URL": "http://a,http://b", "MODEL": "m", "WEIGHTS": "1,0"], "BOT_X_WEIGHTS"),
            (["URL": "http://a", "MODEL": "m", "BALANCE": "random"], "BOT_X_BALANCE"),
        ]
        for (values, variable) in cases {
            let error = #expect(throws: BotConfigurationError.self, "\(values)") { try Self.settings(values) }
            #expect(error?.variable == variable, "\(values): \(String(describing: error))")
        }
    }

    /// Least in flight per unit of weight; an open circuit and a tried deployment are skipped.
    @Test func picksTheLightestAllowedDeployment() {
        func client() -> UpstreamClient {
            UpstreamClient(
                policy: try! UpstreamPolicy(
                    BotConfiguration(
                        name: "x", kind: "http", prefix: "BOT_X_", settings: ["BREAKER_FAILURES": "1"], timeout: .seconds(1))),
                secret: nil, bot: "x", logger: nil)
        }
        let set = DeploymentSet([
            Deployment(name: "1", client: client(), weight: 1), Deployment(name: "2", client: client(), weight: 2),
        ])
        set[1].running.started()
        set[1].running.started()
        set[0].running.started()
        // 1 running per weight 1 against 2 per weight 2: a tie, either may come.
        #expect([0, 1].contains(set.pick()))
        set[1].running.stopped()
        #expect(set.pick() == 1)
        #expect(set.pick(excluding: [1]) == 0)
        // One that said 429 is passed over while another may take the call, not when none may.
        set[1].coolOff(for: .seconds(60))
        set[1].running.stopped()
        #expect(set.pick() == 0)
        #expect(set.pick(excluding: [0]) == 1)
        set[0].client.breaker.recordFailure()
        #expect(set.pick(excluding: [1]) == nil)
        #expect(set.hasCandidate(excluding: [1]) == false)
        #expect(set.statistics(calls: CallCounter()).deployments.map(\.circuit) == [.open, .closed])
    }
}
