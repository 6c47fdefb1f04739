import ServiceLifecycle

/// A service that collects writes in memory and writes them every `interval`, and once
/// more at graceful shutdown (so it must stop before the database pool does).
protocol BatchWriter: Service {
    var interval: Duration { get }
    var logs: DampedLog { get }
    /// Writes what was collected.
    func flush() async
}

extension BatchWriter {
    func run() async throws {
        while Task.isCancelled == false && Task.isShuttingDownGracefully == false {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            } catch {
                break
            }
            await flush()
        }
        await flush()
    }

    /// Runs one batch's write. When the database is unreachable `keep` puts the batch back
    /// for the next write; any other failure would repeat forever, so the batch is dropped.
    /// Either way it is logged (damped) as `what` failing.
    func write(_ what: String, body: () async throws -> Void, keep: () -> Void) async {
        do {
            try await PostgresPool.$isBackground.withValue(true) { try await body() }
        } catch let error as DatabaseError where error.isUnavailable {
            keep()
            logs.error("\(what) failed; kept for the next write", error: error)
        } catch {
            logs.error("\(what) failed; dropped", error: error)
        }
    }
}
