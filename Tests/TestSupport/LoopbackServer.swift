import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A Hummingbird application serving a test on a free loopback port: a fake upstream, an
/// OTLP collector. It is stopped by a graceful shutdown, never by cancelling its task alone:
/// NIO traps ("Deinited NIOAsyncWriter without calling finish()") when a server's task is
/// cancelled while an accepted connection waits to be served (apple/swift-nio#2813), which a
/// busy machine makes likely.
public final class LoopbackServer: Sendable {
    /// The port the server listens on (127.0.0.1).
    public let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// The server could not start (for example, no port to bind).
    public struct NotStarted: Error {}

    private init(port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.group = group
        self.task = task
    }

    /// Starts the application `make` builds and returns once it listens. `make` is given the
    /// `onServerRunning` callback to pass to the application.
    public static func start(
        _ make: (_ onServerRunning: @escaping @Sendable (any Channel) async -> Void) -> some ApplicationProtocol
    ) async throws -> LoopbackServer {
        let (ports, listening) = AsyncStream<Int>.makeStream()
        let app = make { channel in
            listening.yield(channel.localAddress?.port ?? 0)
            listening.finish()
        }
        var logger = Logger(label: "loopback-server")
        logger.logLevel = .critical
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            defer { listening.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            throw NotStarted()
        }
        return LoopbackServer(port: port, group: group, task: task)
    }

    /// Begins a graceful shutdown (the listening socket closes; connections already accepted
    /// are served); requests still running after `grace` are then cancelled. Returns at once.
    public func stop(grace: Duration = .seconds(5)) {
        let (group, task) = (self.group, self.task)
        Task {
            await group.triggerGracefulShutdown()
            await withTaskGroup(of: Void.self) { race in
                race.addTask { _ = try? await task.value }
                race.addTask { try? await Task.sleep(for: grace) }
                await race.next()
                race.cancelAll()
            }
            task.cancel()
        }
    }
}
