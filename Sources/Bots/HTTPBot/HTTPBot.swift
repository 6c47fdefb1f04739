import BotKit
import BotTransport
import Foundation
import Logging

/// A remote model behind an HTTP API (OpenAI-compatible, Anthropic or Ollama), spoken
/// to over libcurl. Retries connect failures, 429, 502 and 503 before any output reached
/// the client, with exponential backoff and jitter (never what the upstream may have run:
/// a timeout, 500, 504, a dropped answer); a circuit breaker fails fast while the upstream
/// is down. Registered as kind `http`; settings in `HTTPBotSettings`.
public struct HTTPBot: BotProvider {
    public let settings: HTTPBotSettings
    let format: any WireFormat
    /// Its upstreams, each with its own transport client, retries and circuit breaker
    /// (shared with the other HTTP-speaking kinds); one unless `URL` lists several.
    let deployments: DeploymentSet
    /// Each deployment's settings: `settings` with its URL, secret and model.
    let endpoints: [HTTPBotSettings]
    /// Calls running now.
    let calls = CallCounter()

    /// - Parameter logger: where upstream failures are logged (default: the process's
    ///   logging system, label `gateway.bot`).
    public init(settings: HTTPBotSettings, name: String = "http", logger: Logger? = nil) {
        self.settings = settings
        switch settings.api {
        case .openai: format = OpenAIFormat()
        case .anthropic: format = AnthropicFormat()
        case .ollama: format = OllamaFormat()
        }
        endpoints = settings.deployments.map { deployment in
            var own = settings
            (own.baseURL, own.apiKey, own.model) = (deployment.baseURL, deployment.apiKey, deployment.model)
            return own
        }
        let several = settings.deployments.count > 1
        deployments = DeploymentSet(
            settings.deployments.enumerated().map { index, deployment in
                var named = logger ?? Logger(label: "gateway.bot")
                if several { named[metadataKey: "deployment"] = "\(index + 1)" }
                return Deployment(
                    name: "\(index + 1)",
                    client: UpstreamClient(policy: settings.upstream, secret: deployment.apiKey, bot: name, logger: named),
                    weight: deployment.weight)
            }, balance: settings.balance)
    }

    /// Registers the `http` kind.
    public static func register(in registry: inout BotRegistry) {
        registry.register(kind: "http", settingsExample: HTTPBotSettings.example) {
            HTTPBot(settings: try HTTPBotSettings($0), name: $0.name)
        }
    }

    /// The call is pulled by its reader (`UpstreamClient.stream`): no task of its own, and
    /// the upstream is read only as fast as the client takes the answer. The deadline needs
    /// no watchdog: libcurl's total timeout is set from it for every transfer, and a backoff
    /// that would pass it is not taken. A reader that is gone cancels the transfer.
    public func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        deployments.stream(deadline: request.deadline, counting: calls) { try exchange(request, deployment: $0) }
    }

    /// Images, in each API's own shape (Ollama: base64 data only); structured output where
    /// the API has it (OpenAI's `response_format`, Ollama's `format`; Anthropic has none);
    /// tools on all three (Ollama: `auto` choice only; it has no other); embeddings on
    /// OpenAI-compatible and Ollama APIs.
    public var capabilities: BotCapabilities {
        switch settings.api {
        case .openai: [.images, .structuredOutput, .tools, .embeddings]
        case .ollama: [.images, .structuredOutput, .tools, .embeddings]
        case .anthropic: [.images, .tools]
        }
    }

    /// The members `EXTRAS` lets clients pass through.
    public var acceptedExtras: Set<String> { settings.extras }

    public var statistics: BotStatistics { deployments.statistics(calls: calls) }

    /// Healthy while some deployment is (each probed at once); the detail names the others.
    public func health() async -> BotHealth {
        let format = format
        let probes = await withTaskGroup(of: (Int, BotHealth).self) { group in
            for (index, settings) in endpoints.enumerated() {
                let client = deployments[index].client
                group.addTask {
                    (index, await client.probe(settings.baseURL + format.healthPath, headers: format.authHeaders(settings)))
                }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        guard endpoints.count > 1 else { return probes[0] ?? BotHealth(healthy: false, detail: "no probe") }
        let sick = probes.keys.sorted().filter { probes[$0]?.healthy == false }
        let detail = sick.map { "deployment \($0 + 1): \(probes[$0]?.detail ?? "")" }.joined(separator: "; ")
        return BotHealth(healthy: sick.count < endpoints.count, detail: sick.isEmpty ? "ok" : detail)
    }
}

/// libcurl's timeout is set from the deadline (the conformance kit verifies it).
extension HTTPBot: DeadlineBound {}
