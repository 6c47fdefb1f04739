import GatewayCore
import ServiceLifecycle
import Synchronization

/// Turns whose run was dropped before it was recorded (its answer never written to the
/// end: the client gone, the handler cancelled). `TurnRun`'s deinit cannot wait, so it
/// hands the recording here, and one service runs them, each as a child task; at shutdown
/// it records what is queued before it returns, and it stops before the database pool
/// closes (listed after it among the application's services). While the service is not
/// running (before it starts, after it stopped, or a gateway assembled without it) and past
/// `capacity` queued turns, a turn is recorded in a task of its own rather than lost.
package final class DroppedTurns: Service, Sendable {
    package typealias Recording = @Sendable () async -> Void

    private enum Phase { case idle, running, stopped }

    private let queue: AsyncStream<Recording>
    private let input: AsyncStream<Recording>.Continuation
    private let phase = Mutex(Phase.idle)

    package init(capacity: Int = 10_000) {
        (queue, input) = AsyncStream.makeStream(of: Recording.self, bufferingPolicy: .bufferingOldest(capacity))
    }

    /// Whether turns are queued for the service (it is running).
    package var isRunning: Bool { phase.withLock { $0 == .running } }

    /// Records a dropped turn soon.
    package func submit(_ recording: @escaping Recording) {
        let queued = phase.withLock { phase -> Bool in
            guard phase == .running else { return false }
            if case .enqueued = input.yield(recording) { return true }
            return false
        }
        if queued == false { Task { await recording() } }
    }

    package func run() async throws {
        phase.withLock { $0 = .running }
        await withDiscardingTaskGroup { group in
            await withGracefulShutdownHandler {
                for await recording in queue { group.addTask { await recording() } }
            } onGracefulShutdown: {
                self.phase.withLock { phase in
                    phase = .stopped
                    self.input.finish()
                }
            }
        }
    }
}
