import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// Runs the gateway until SIGTERM or SIGINT, then shuts down in order: new streams are
/// refused and open ones get `SHUTDOWN_GRACE_SECONDS` to finish before they are ended
/// (their turns stored as partial); then the HTTP server stops and the database pool
/// closes. The whole shutdown is bounded: past twice the grace plus ten seconds, what
/// still runs is cancelled.
public func runGateway(_ services: GatewayServices, signals: [UnixSignal] = [.sigterm, .sigint]) async throws {
    let grace = services.config.limits.shutdownGrace
    var configuration = ServiceGroupConfiguration(
        services: [
            .init(service: buildApplication(services)),
            .init(service: StreamDrainService(streams: services.streams, grace: grace, logger: services.logger)),
        ],
        gracefulShutdownSignals: signals, logger: services.logger)
    configuration.maximumGracefulShutdownDuration = grace * 2 + .seconds(10)
    try await ServiceGroup(configuration: configuration).run()
}

/// Ends streams first on shutdown (services shut down in reverse order, so this one,
/// listed after the application, goes before the HTTP server waits for its requests).
struct StreamDrainService: Service {
    let streams: StreamRegistry
    let grace: Duration
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        let open = streams.open
        if open > 0 { logger.info("shutting down: draining open streams", metadata: ["streams": "\(open)"]) }
        await streams.drain(grace: grace)
    }
}
