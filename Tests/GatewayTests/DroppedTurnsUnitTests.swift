import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import GatewayDomain

/// Turns dropped before they were recorded are recorded by one service: while it runs, and
/// at its shutdown every queued one before it returns; outside it, in a task of their own.
@Suite struct DroppedTurnsUnitTests {
    @Test func queuedTurnsAreRecordedBeforeTheServiceStops() async throws {
        let dropped = DroppedTurns()
        let recorded = Atomic<Int>(0)
        let group = ServiceGroup(services: [dropped], logger: Logger(label: "test"))
        async let running: Void = group.run()
        // Not running yet: recorded anyway, in a task of its own.
        dropped.submit { recorded.add(1, ordering: .relaxed) }
        while recorded.load(ordering: .relaxed) < 1 { await Task.yield() }
        // Running: queued, recorded by the service (a slow store is waited for at shutdown).
        while dropped.isRunning == false { await Task.yield() }
        for _ in 0..<50 {
            dropped.submit {
                try? await Task.sleep(for: .milliseconds(20))
                recorded.add(1, ordering: .relaxed)
            }
        }
        await group.triggerGracefulShutdown()
        try await running
        #expect(recorded.load(ordering: .relaxed) == 51)
    }
}
