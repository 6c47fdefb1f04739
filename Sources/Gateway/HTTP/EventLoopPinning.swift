import BotKit
import HummingbirdCore
import Logging
import NIOCore

/// Runs a task's jobs on one NIO event loop: the loop that owns the connection the task
/// serves. Reading the request, the handler, and writing the response then stay on one
/// thread; a resumption from another thread (libcurl's driver, libpq's) costs one wake-up
/// of that loop instead of a hop through the global pool and another back to the loop.
final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    /// Immutable after init; event loops are thread-safe to enqueue to.
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// A server child channel whose connection handling runs on the connection's own event
/// loop (``EventLoopTaskExecutor``) instead of Swift's global pool. Blocking work never
/// runs in a handler (libpq, hashing and libcurl have threads of their own), so the loop
/// is not held up longer than by the handler's own CPU work. Bots written with
/// `BotAnswer.stream` run their task on the same loop (`BotAnswer.executor`).
struct EventLoopPinnedChannel<Inner: ServerChildChannel>: ServerChildChannel {
    let inner: Inner

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Inner.Value> {
        inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Inner.Value, logger: Logger) async {
        let executor = EventLoopTaskExecutor(value.channel.eventLoop)
        await BotAnswer.$executor.withValue(executor) {
            await withTaskExecutorPreference(executor) {
                await inner.handle(value: value, logger: logger)
            }
        }
    }
}

/// Runs `work` on Swift's global pool instead of the connection's event loop: for CPU
/// work that grows with the input (a large body parsed, a large answer built), so one
/// request does not hold up the other connections served by its loop.
func offTheLoop<T: Sendable>(_ work: () async throws -> T) async throws -> T {
    try await withTaskExecutorPreference(globalConcurrentExecutor) { try await work() }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 served with each connection pinned to its event loop.
    static func http1Pinned(configuration: HTTP1Channel.Configuration) -> HTTPServerBuilder {
        .init { responder in
            EventLoopPinnedChannel(inner: HTTP1Channel(responder: responder, configuration: configuration))
        }
    }
}
