import GatewayCore
import GatewayDomain
import GatewayHTTP
import Hummingbird
import NIOConcurrencyHelpers
import Postgres
import Synchronization

/// `/live`, `/ready`, `/health`: liveness never touches a dependency; readiness and
/// health answer from a `SELECT 1` with a short timeout, run at most once a second
/// whoever asks, and never call a bot. Once shutdown starts,
/// readiness is 503 `draining` at once.
package struct HealthController {
    package let readiness: Readiness
    package let probe: DatabaseProbe

    /// `pool` nil: the state lives in this process's memory, which always answers.
    package init(pool: PostgresPool?, timeout: Duration, readiness: Readiness) {
        self.readiness = readiness
        probe = DatabaseProbe(pool: pool, timeout: timeout)
    }

    /// Liveness is a constant answer, encoded once.
    package static let alive = Response(
        status: .ok, headers: [.contentType: "application/json"],
        body: .init(byteBuffer: ByteBuffer(string: #"{"status":"alive"}"#)))

    package struct Status: Codable, Sendable {
        package let status: String
        package var db: String? = nil
    }

    package func addRoutes(to router: Router<AppRequestContext>) {
        router
            .get("live") { _, _ in Self.alive }
            .get("ready") { _, _ in
                if readiness.draining { return JSONResponse(Status(status: "draining"), status: .serviceUnavailable) }
                return await databaseAnswers()
                    ? JSONResponse(Status(status: "ready"))
                    : JSONResponse(Status(status: "not ready"), status: .serviceUnavailable)
            }
            .get("health") { _, _ in
                await databaseAnswers()
                    ? JSONResponse(Status(status: "ok", db: "ok"))
                    : JSONResponse(Status(status: "error", db: "down"), status: .serviceUnavailable)
            }
    }

    /// True when `SELECT 1` succeeded within the timeout, as last probed: at most one probe
    /// runs a second (`DatabaseProbe`), so a flood of health checks cannot take the pool.
    package func databaseAnswers() async -> Bool {
        await probe.answers()
    }
}

/// The database's last health answer, probed at most once per `period`; callers that come
/// while a probe runs wait for it instead of starting their own.
package final class DatabaseProbe: Sendable {
    private struct State {
        package var answer = false
        package var at: ContinuousClock.Instant?
        package var running: Task<Bool, Never>?
    }

    private let pool: PostgresPool?
    private let timeout: Duration
    private let period: Duration
    private let state = NIOLockedValueBox(State())

    package init(pool: PostgresPool?, timeout: Duration, period: Duration = .seconds(1)) {
        self.pool = pool
        self.timeout = timeout
        self.period = period
    }

    package func answers() async -> Bool {
        let now = ContinuousClock.now
        let task = state.withLockedValue { state -> Task<Bool, Never>? in
            if let at = state.at, now - at < period { return nil }
            if let running = state.running { return running }
            let running = Task { await self.probe() }
            state.running = running
            return running
        }
        guard let task else { return state.withLockedValue { $0.answer } }
        return await task.value
    }

    private func probe() async -> Bool {
        guard let pool = self.pool else { return true }
        let answer = await value(within: timeout) { (try? await pool.query("SELECT 1")) != nil } ?? false
        state.withLockedValue { state in
            state.answer = answer
            state.at = .now
            state.running = nil
        }
        return answer
    }
}

/// Whether the gateway is shutting down (`/ready` then answers 503 `draining`).
package final class Readiness: Sendable {
    private let flag = Atomic(false)

    package init() {}

    package var draining: Bool {
        get { flag.load(ordering: .relaxed) }
        set { flag.store(newValue, ordering: .relaxed) }
    }
}
