import GatewayCore
import GatewayDomain
import GatewayHTTP
import GatewayOps
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// Runs the gateway until SIGTERM or SIGINT, then shuts down in order: `/ready` turns 503
/// and everything is still served for `SHUTDOWN_DRAIN_SECONDS` (so a load balancer stops
/// sending first); then new streams are refused and open ones get `SHUTDOWN_GRACE_SECONDS`
/// to finish before they are ended (their turns stored as partial); then the HTTP server
/// stops and the database pool closes. The whole shutdown is bounded: past the drain, twice
/// the grace and ten seconds, what still runs is cancelled.
///
/// `observability` (the OpenTelemetry exporter, when tracing is on) starts first and stops
/// last, so the spans of the shutdown are exported too.
public func runGateway(
    _ services: GatewayServices, observability: (any Service)? = nil, signals: [UnixSignal] = [.sigterm, .sigint]
) async throws {
    let grace = services.config.limits.shutdownGrace
    // Each bot's health known from the start, without a request waiting for it.
    let bots = services.bots
    Task { await bots.health.refresh(bots) }
    var configuration = ServiceGroupConfiguration(
        services: (observability.map { [ServiceGroupConfiguration.ServiceConfiguration(service: $0)] } ?? []) + [
            .init(service: buildApplication(services)),
            .init(
                service: StreamDrainService(
                    streams: services.streams, readiness: services.readiness, drain: services.config.limits.shutdownDrain,
                    grace: grace, logger: services.logger)),
        ],
        gracefulShutdownSignals: signals, logger: services.logger)
    configuration.maximumGracefulShutdownDuration = services.config.limits.shutdownDrain + grace * 2 + .seconds(10)
    try await ServiceGroup(configuration: configuration).run()
}

/// Goes first on shutdown (services shut down in reverse order, so this one, listed after
/// the application, runs before the HTTP server stops taking requests): marks the gateway
/// not ready, keeps serving for the drain delay, then ends streams.
package struct StreamDrainService: Service {
    package let streams: StreamRegistry
    package let readiness: Readiness
    package let drain: Duration
    package let grace: Duration
    package let logger: Logger

    package func run() async throws {
        try? await gracefulShutdown()
        readiness.draining = true
        if drain > .zero {
            logger.info("shutting down: not ready, still serving", metadata: ["seconds": "\(drain.timeInterval)"])
            try? await Task.sleep(for: drain)
        }
        let open = streams.open
        if open > 0 { logger.info("shutting down: draining open streams", metadata: ["streams": "\(open)"]) }
        await streams.drain(grace: grace)
    }
}
