import Synchronization
import Testing

@testable import BotKit

/// One sweeper ends answers at their deadlines: a passed deadline expires its answer, a
/// released one never does, and nothing is left watched.
@Suite struct DeadlineSweeperTests {
    @Test func passedDeadlinesExpireAndReleasedOnesDoNot() async throws {
        let sweeper = DeadlineSweeper(tick: .milliseconds(5))
        let (expiries, expire) = AsyncStream.makeStream(of: Void.self)
        let released = Atomic(0)
        let soon = ContinuousClock.now + .milliseconds(20)
        for _ in 0..<10 { _ = sweeper.watch(soon) { expire.yield() } }
        let kept = sweeper.watch(soon) { released.add(1, ordering: .relaxed) }
        sweeper.release(kept)
        let later = sweeper.watch(.now + .seconds(3600)) { released.add(1, ordering: .relaxed) }
        // Waits for the ten expiries themselves, not for a time.
        var expired = 0
        for await _ in expiries {
            expired += 1
            if expired == 10 { break }
        }
        #expect(sweeper.watching == 1)
        sweeper.release(later)
        #expect(sweeper.watching == 0)
        #expect(released.load(ordering: .relaxed) == 0)
    }

    @Test func anAnswerPastItsDeadlineEndsWithATimeout() async throws {
        let stream = BotAnswer.stream(until: .now + .milliseconds(30)) { writer in
            try writer.delta("started")
            try await Task.sleep(for: .seconds(3600))
            return BotCompletion(finishReason: .stop)
        }
        var events: [BotEvent] = []
        await #expect(throws: BotError.timeout) {
            for try await event in stream { events.append(event) }
        }
        #expect(events.count == 1)
    }
}
