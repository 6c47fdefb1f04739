import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps

/// Log lines go out through a bounded buffer written by a thread of its own: a reader that
/// stops reading never stalls the code that logs, and lines dropped are counted.
@Suite struct LogOutputTests {
    @Test func aStalledReaderNeverBlocksLoggingAndDropsAreReported() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let output = LogOutput(descriptor: ends[1], capacity: 64 << 10)
        let line = Array(String(repeating: "x", count: 99).utf8) + [UInt8(ascii: "\n")]
        // 1 MB into a pipe that holds 64 KB, with nobody reading: must return at once.
        let start = ContinuousClock.now
        for _ in 0..<10_000 { output.append(line) }
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(output.flush(timeout: 0.2) == false)

        // The reader catches up (on a thread of its own: a blocking read must not hold one
        // of Swift's few pool threads): whole lines, then the counts of those dropped.
        let received = NIOLockedValueBox<[UInt8]>([])
        let finished = DispatchSemaphore(value: 0)
        let readEnd = ends[0]
        Thread {
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while case let n = read(readEnd, &chunk, chunk.count), n > 0 {
                received.withLockedValue { $0 += chunk[0..<n] }
            }
            finished.signal()
        }.start()
        #expect(output.flush(timeout: 30))
        close(ends[1])
        finished.wait()
        let lines = received.withLockedValue { String(decoding: $0, as: UTF8.self) }.split(separator: "\n")
        let kept = lines.filter { $0 == String(repeating: "x", count: 99) }.count
        let reports = lines.filter { $0.contains("log lines dropped") }
        var dropped = 0
        for report in reports {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any])
            let count = try #require(object["count"] as? String)
            dropped += try #require(Int(count))
        }
        #expect(kept > 0 && dropped > 0)
        #expect(kept + dropped == 10_000)
        #expect(lines.count == kept + reports.count)
    }

    @Test func aLineIsWrittenWithoutAFlush() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let output = LogOutput(descriptor: ends[1])
        output.append(Array("alone\n".utf8))
        var poller = pollfd(fd: ends[0], events: Int16(POLLIN), revents: 0)
        #expect(poll(&poller, 1, 10_000) == 1)
        var chunk = [UInt8](repeating: 0, count: 64)
        let n = read(ends[0], &chunk, chunk.count)
        #expect(String(decoding: chunk[0..<max(n, 0)], as: UTF8.self) == "alone\n")
        #expect(output.flush())
        close(ends[1])
    }

    @Test func flushWaitsForEverythingQueued() async throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let output = LogOutput(descriptor: ends[1])
        for index in 0..<100 { output.append(Array("line \(index)\n".utf8)) }
        #expect(output.flush())
        close(ends[1])
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while case let n = read(ends[0], &chunk, chunk.count), n > 0 { received += chunk[0..<n] }
        close(ends[0])
        #expect(String(decoding: received, as: UTF8.self) == (0..<100).map { "line \($0)\n" }.joined())
    }

    @Test func timestampsAreUTCWithMilliseconds() {
        #expect(LogLine.timestamp(timespec(tv_sec: 0, tv_nsec: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(LogLine.timestamp(timespec(tv_sec: 1_796_232_110, tv_nsec: 13_999_999)) == "2026-12-02T17:21:50.013Z")
        #expect(LogLine.timestamp(timespec(tv_sec: 951_825_599, tv_nsec: 999_000_000)) == "2000-02-29T11:59:59.999Z")
    }

    @Test func requestDurationsHaveTwoDecimals() {
        #expect(RequestLogMiddleware.milliseconds(.zero) == "0.00")
        #expect(RequestLogMiddleware.milliseconds(.microseconds(50)) == "0.05")
        #expect(RequestLogMiddleware.milliseconds(.microseconds(1_230)) == "1.23")
        #expect(RequestLogMiddleware.milliseconds(.microseconds(12_346)) == "12.35")
        #expect(RequestLogMiddleware.milliseconds(.seconds(1.5)) == "1500.00")
    }
}
