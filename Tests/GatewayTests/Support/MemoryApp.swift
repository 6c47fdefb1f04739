import Foundation
import HummingbirdTesting
import Logging

@testable import Gateway
@testable import GatewayCore
@testable import GatewayOps

/// A gateway whose stores live in memory: its routes tested with no database started
/// (`scripts/test --unit`), over loopback HTTP (a login's hashing is dropped when its
/// client is gone, which only a real connection tells). The database URL is never opened.
enum MemoryApp {
    static func run(
        _ overrides: [String: String] = [:], now: @escaping @Sendable () -> Date = { Date() },
        _ body: @Sendable (any TestClientProtocol, GatewayServices) async throws -> Void
    ) async throws {
        Observability.bootstrap()
        var environment = TestApp.environment(database: "never-opened", overrides)
        environment["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/never-opened"
        let config = try GatewayConfig(environment: environment)
        let services = try await GatewayServices(
            config: config, logger: TestDatabase.quietLogger, registry: TestBots.registry,
            stores: .inMemory(adminEmails: config.adminEmails, now: now), now: now)
        try await buildApplication(services).test(.live) { client in
            try await body(ConformingClient(inner: client), services)
        }
        await services.shutdown()
    }
}
