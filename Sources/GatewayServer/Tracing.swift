import Foundation
import Gateway
import GatewayCore
import GatewayDomain
import GatewayOps
import Logging
import OTel
import ServiceLifecycle
import Tracing

/// OpenTelemetry tracing through swift-otel, when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) names a collector: spans are batched and exported
/// over OTLP/HTTP (protobuf, or JSON with `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`), the
/// W3C `traceparent` is read from clients and sent to upstream models. Logs and metrics stay
/// with the gateway's own log lines and `/metrics`. Returns the exporter's service, or nil
/// when tracing is off.
func bootstrapTracing(_ config: GatewayConfig, logger: Logger) throws -> (any Service)? {
    guard config.tracing else { return nil }
    // swift-otel reads the process environment: `.env`'s OTEL_* values are put there first.
    for (key, value) in config.openTelemetry where ProcessInfo.processInfo.environment[key] == nil {
        setenv(key, value, 0)
    }
    var otel = OTel.Configuration.default
    otel.serviceName = config.openTelemetry["OTEL_SERVICE_NAME"] ?? "bot-gateway"
    otel.logs.enabled = false
    otel.metrics.enabled = false
    otel.traces.enabled = true
    let (tracer, service) = try OTel.makeTracingBackend(configuration: otel)
    InstrumentationSystem.bootstrap(tracer)
    logger.info("tracing on: spans exported over OTLP/HTTP")
    return service
}
