import AsyncAlgorithms
import BotKit
import GatewayCore

/// Holds every bot to its call's deadline, whether or not the plugin honours it: the
/// bot's events are relayed through a channel without a buffer (the bot still produces
/// the next event only when the previous one was taken), and one second past the
/// deadline the relay fails with `BotError.timeout` and cancels the bot's stream.
package struct BotDeadline: Sendable {
    /// How long past its deadline a bot may keep going before the gateway stops it.
    package static let grace: Duration = .seconds(1)

    package let events: AsyncThrowingChannel<BotEvent, any Error>
    private let pump: Task<Void, Never>
    private let watchdog: Task<Void, Never>

    package init(_ stream: AsyncThrowingStream<BotEvent, any Error>, deadline: ContinuousClock.Instant) {
        let events = AsyncThrowingChannel<BotEvent, any Error>()
        let pump = Task {
            do {
                for try await event in stream {
                    await events.send(event)
                    if Task.isCancelled { return }
                }
                events.finish()
            } catch {
                events.fail(error)
            }
        }
        self.events = events
        self.pump = pump
        self.watchdog = Task {
            try? await Task.sleep(until: deadline + Self.grace, clock: .continuous)
            guard Task.isCancelled == false else { return }
            events.fail(BotError.timeout)
            pump.cancel()
        }
    }

    /// Stops relaying (the consumer is done or gone): cancels the bot's stream.
    package func stop() {
        watchdog.cancel()
        pump.cancel()
        events.finish()
    }
}
