import Foundation
import GatewayCore
import GatewayDomain
import GatewayHTTP
import Metrics
import Postgres
import Prometheus

/// The process's metrics: swift-metrics backed by one Prometheus registry, bootstrapped
/// once per process (several gateways in one test process share it).
public enum Observability {
    /// Where every metric of the process is registered.
    public static let registry = PrometheusCollectorRegistry()

    private static let bootstrapped: Void = {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
        ]
        MetricsSystem.bootstrap(factory)
    }()

    /// Installs the Prometheus backend (idempotent).
    public static func bootstrap() { _ = bootstrapped }

    /// Process start, for `gateway_process_start_time_seconds`.
    package static let startTime = Date()

    /// `GATEWAY_VERSION`/`GATEWAY_REVISION` from the environment (`scripts/run` sets the git
    /// revision), for `gateway_build_info`.
    public static let version = ProcessInfo.processInfo.environment["GATEWAY_VERSION"] ?? "0.1.0"
    public static let revision = ProcessInfo.processInfo.environment["GATEWAY_REVISION"] ?? "unknown"

    /// Resident memory in bytes, from `/proc/self/statm`.
    package static var residentBytes: Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Open file descriptors, from `/proc/self/fd`.
    package static var openFileDescriptors: Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).count
    }

    /// Threads, from `/proc/self/status`.
    package static var threads: Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Threads:") })
        else { return 0 }
        return Int(line.dropFirst(8).trimmingCharacters(in: .whitespaces)) ?? 0
    }

    /// Refreshes the gauges read at scrape time: process and database pool (if any).
    package static func refresh(pool: PostgresPool?) {
        Gauge(label: "gateway_process_resident_memory_bytes").record(residentBytes)
        Gauge(label: "gateway_process_open_fds").record(openFileDescriptors)
        Gauge(label: "gateway_process_threads").record(threads)
        Gauge(label: "gateway_process_start_time_seconds").record(startTime.timeIntervalSince1970)
        Gauge(label: "gateway_build_info", dimensions: [("version", version), ("revision", revision)]).record(1)
        guard let usage = pool?.usage else { return }
        Gauge(label: "gateway_db_pool_connections", dimensions: [("state", "in_use")]).record(usage.inUse)
        Gauge(label: "gateway_db_pool_connections", dimensions: [("state", "idle")]).record(usage.idle)
        Gauge(label: "gateway_db_pool_waiting").record(usage.waiting)
    }
}
