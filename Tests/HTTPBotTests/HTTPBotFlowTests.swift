import BotKit
import Foundation
import Testing

@testable import BotTransport
@testable import HTTPBot

/// HTTPBot's transfer follows its reader: a reader that leaves stops the transfer, one that
/// pauses pauses the upstream.
@Suite(.serialized) struct HTTPBotFlowTests {
    @Test func cancellationStopsTheUpstreamTransfer() async throws {
        let upstream = try await FakeUpstream.start()
        defer { upstream.stop() }
        let bot = try HTTPBotTests.bot(upstream, model: "drip")
        let consumer = Task {
            for try await event in bot.stream(HTTPBotTests.ask(bot)) { if case .delta = event { break } }
        }
        _ = await consumer.result
        // This bot's own count (the process's transfer count also holds other suites' calls).
        let deadline = ContinuousClock.now + .seconds(30)
        while bot.statistics.activeCalls > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(bot.statistics.activeCalls == 0)
        // The upstream notices at its next drip write; allow for a loaded machine.
        while upstream.abandoned.withLockedValue({ $0 }) == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(upstream.abandoned.withLockedValue { $0 } == 1)
    }

    /// The upstream is read only as fast as the reader takes the answer: while the reader
    /// pauses, the upstream's writes block (the answer does not pile up in the gateway);
    /// once it reads again, the whole answer arrives.
    @Test func aReaderThatPausesPausesTheUpstream() async throws {
        let upstream = try await FakeUpstream.start()
        defer { upstream.stop() }
        // A deadline far past the stall check and the whole read, however loaded the machine.
        let bot = try HTTPBotTests.bot(
            upstream, model: "flood", ["STREAM": "true", "MAX_RESPONSE_BYTES": "\(128 << 20)"], timeout: .seconds(120))
        var events = bot.stream(HTTPBotTests.ask(bot, deadline: .seconds(120))).makeAsyncIterator()
        _ = try await events.next()
        // Stalled once the socket buffers filled (no piece written for half a second; waits
        // up to 30 s), far short of the whole answer.
        var (written, since) = (upstream.flooded.withLockedValue { $0 }, ContinuousClock.now)
        for _ in 0..<600 where ContinuousClock.now - since < .milliseconds(500) {
            try await Task.sleep(for: .milliseconds(50))
            let now = upstream.flooded.withLockedValue { $0 }
            if now != written { (written, since) = (now, ContinuousClock.now) }
        }
        let stalled = ContinuousClock.now - since >= .milliseconds(500)
        #expect(stalled && written < FakeUpstream.floodPieces, "\(written) pieces written unread, stalled: \(stalled)")
        var deltas = 1
        while let event = try await events.next() { if case .delta = event { deltas += 1 } }
        #expect(deltas == FakeUpstream.floodPieces)
        #expect(bot.statistics.activeCalls == 0)
    }
}
