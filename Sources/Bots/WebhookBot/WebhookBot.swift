import BotKit
import BotTransport
import Foundation
import Logging

/// A bot in any language: a service that speaks the bot protocol (`docs/bot-protocol.md`)
/// at a URL. Each turn is `POST {URL}` with the request as JSON; the answer streams back as
/// events (Server-Sent Events or newline-delimited JSON). Over the same transport as the
/// HTTP bot: reused connections, backpressure, cancellation that closes the request,
/// deadlines, retries before output, a circuit breaker, size limits. Registered as kind
/// `webhook`; settings in `WebhookSettings`.
public struct WebhookBot: BotProvider {
    public let settings: WebhookSettings
    /// Transport, retries, circuit breaker (`bot-check` speaks through it too).
    package let upstream: UpstreamClient
    let calls = CallCounter()

    public init(settings: WebhookSettings, name: String = "webhook", logger: Logger? = nil) {
        self.settings = settings
        upstream = UpstreamClient(policy: settings.upstream, secret: settings.secret, bot: name, logger: logger)
    }

    /// Registers the `webhook` kind.
    public static func register(in registry: inout BotRegistry) {
        registry.register(kind: "webhook", settingsExample: WebhookSettings.example) {
            WebhookBot(settings: try WebhookSettings($0), name: $0.name)
        }
    }

    public func stream(_ request: BotRequest) -> AsyncThrowingStream<BotEvent, any Error> {
        // One id for every attempt of the call, so a bot can tell a retry from a new turn.
        let requestID = UUID().uuidString.lowercased()
        return upstream.stream(deadline: request.deadline, counting: calls) {
            exchange(request, requestID: requestID)
        }
    }

    /// One attempt's transfer and parser.
    func exchange(_ request: BotRequest, requestID: String) -> (TransportRequest, any ResponseParser) {
        let body = WebhookProtocol.body(request, requestID: requestID)
        let spec = upstream.transfer(
            settings.url, headers: WebhookProtocol.headers(requestID: requestID, secret: settings.secret),
            body: body.jsonBytes, deadline: request.deadline, trace: request.traceHeaders)
        return (spec, WebhookEventParser())
    }

    public var capabilities: BotCapabilities { settings.capabilities }

    public var acceptedExtras: Set<String> { settings.extras }

    public var statistics: BotStatistics { upstream.statistics(calls: calls) }

    /// `GET {URL}/health`: a 2xx answer is healthy.
    public func health() async -> BotHealth {
        await upstream.probe(
            settings.url + WebhookProtocol.healthPath,
            headers: WebhookProtocol.healthHeaders(secret: settings.secret))
    }
}

/// libcurl's timeout is set from the deadline, whatever the webhook does.
extension WebhookBot: DeadlineBound {}
