import Hummingbird
import Synchronization

/// `/live`, `/ready`, `/health`: liveness never touches a dependency; readiness and
/// health run `SELECT 1` with a short timeout and never call a bot. Once shutdown starts,
/// readiness is 503 `draining` at once.
struct HealthController {
    let pool: PostgresPool
    let timeout: Duration
    let readiness: Readiness

    /// Liveness is a constant answer, encoded once.
    static let alive = Response(
        status: .ok, headers: [.contentType: "application/json"],
        body: .init(byteBuffer: ByteBuffer(string: #"{"status":"alive"}"#)))

    struct Status: Codable, Sendable {
        let status: String
        var db: String? = nil
    }

    func addRoutes(to router: Router<AppRequestContext>) {
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

    /// True when `SELECT 1` succeeds within the timeout.
    func databaseAnswers() async -> Bool {
        let pool = self.pool
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await pool.query("SELECT 1")) != nil }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}

/// Whether the gateway is shutting down (`/ready` then answers 503 `draining`).
final class Readiness: Sendable {
    private let flag = Atomic(false)

    var draining: Bool {
        get { flag.load(ordering: .relaxed) }
        set { flag.store(newValue, ordering: .relaxed) }
    }
}
