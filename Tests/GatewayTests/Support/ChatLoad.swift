import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOConcurrencyHelpers
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps
@testable import Postgres

/// Chat turns sent back to back by several workers while something breaks the database:
/// what was acknowledged (message ids) and every status seen. A 503 must carry
/// `Retry-After`; its sender waits 20 ms and goes on.
struct ChatLoad: Sendable {
    let acknowledged = NIOLockedValueBox<[String]>([])
    let statuses = NIOLockedValueBox<[UInt: Int]>([:])
    /// Called with each acknowledged turn (e.g. to note when service came back).
    var onAcknowledged: @Sendable () -> Void = {}

    /// Runs `workers` senders until `stop`, beside `fault` (run once, concurrently).
    func run(
        _ client: any TestClientProtocol, token: String, workers: Int, until stop: ContinuousClock.Instant,
        beside fault: @escaping @Sendable () async throws -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var index = 0
                    while ContinuousClock.now < stop {
                        index += 1
                        let response = try await client.send(
                            .post, "/api/v1/chat", json: #"{"message":"turn \#(worker)-\#(index)"}"#, bearer: token)
                        statuses.withLockedValue { $0[UInt(response.status.code), default: 0] += 1 }
                        if response.status == .ok, let id = try response.json()["message_id"] as? String {
                            acknowledged.withLockedValue { $0.append(id) }
                            onAcknowledged()
                        }
                        if response.status == .serviceUnavailable {
                            #expect(response.headers[.retryAfter] != nil)
                            try await Task.sleep(for: .milliseconds(20))
                        }
                    }
                }
            }
            group.addTask { try await fault() }
            try await group.waitForAll()
        }
    }

    /// How many acknowledged turns `pool` holds, of how many.
    func stored(in pool: PostgresPool) async throws -> (stored: Int, acknowledged: Int) {
        let ids = acknowledged.withLockedValue { $0 }.compactMap(UUID.init(uuidString:))
        let result = try await pool.query("SELECT count(*) AS n FROM messages WHERE id = ANY(\(PostgresArray(ids))::uuid[])")
        return (try result.first?.decode("n", as: Int.self) ?? 0, ids.count)
    }
}
