import Foundation
import GatewayCore
import GatewayDomain
import GatewayHTTP

/// Where log lines go: a bounded buffer that a thread of its own writes to a file
/// descriptor (standard output for the gateway), so logging never waits for that
/// descriptor. A slow or stalled reader (a full pipe, a paused log collector) cannot stall
/// a request: past `capacity` bytes waiting, lines are dropped and counted, and the count
/// is written as a line of its own once the reader catches up. Lines wait about 10 ms, so
/// the writer wakes once per batch, not per line; what waits at exit is written before
/// the process ends (a crash can lose those last milliseconds).
package final class LogOutput: @unchecked Sendable {
    /// The gateway's standard output.
    package static let standard = LogOutput(descriptor: STDOUT_FILENO)

    private let descriptor: Int32
    private let capacity: Int
    private let condition = MonotonicCondition()
    // Guarded by `condition`.
    private var pending: [UInt8] = []
    private var pendingLines = 0
    private var dropped = 0
    /// Lines handed to `append`, and lines written or reported dropped: `flush` waits for
    /// the second to reach what the first was when it was called.
    private var accepted = 0
    private var settled = 0
    private var idle = false
    private var flushes = 0
    private var started = false

    /// - Parameters:
    ///   - descriptor: written to and never closed.
    ///   - capacity: the bytes that may wait to be written (1 MiB by default).
    package init(descriptor: Int32, capacity: Int = 1 << 20) {
        self.descriptor = descriptor
        self.capacity = capacity
    }

    /// Queues one line (which ends with its newline); never blocks on the descriptor.
    package func append(_ line: [UInt8]) {
        condition.lock()
        if started == false { start() }
        accepted += 1
        if pending.count + line.count > capacity {
            dropped += 1
        } else {
            pending.append(contentsOf: line)
            pendingLines += 1
        }
        if idle { condition.broadcast() }
        condition.unlock()
    }

    /// Waits until every line appended before the call is written (or reported dropped),
    /// or `timeout` seconds have passed; false then.
    @discardableResult
    package func flush(timeout: Double = 2) -> Bool {
        let deadline = MonotonicCondition.now(plus: timeout)
        condition.lock()
        defer { condition.unlock() }
        let target = accepted
        flushes += 1
        defer { flushes -= 1 }
        condition.broadcast()
        while settled < target {
            if MonotonicCondition.isPast(deadline) { return false }
            condition.wait(until: deadline)
        }
        return true
    }

    /// Called with the lock held.
    private func start() {
        started = true
        if descriptor == STDOUT_FILENO {
            // A closed stdout must end the lines, not the process.
            signal(SIGPIPE, SIG_IGN)
            atexit { LogOutput.standard.flush() }
        }
        let thread = Thread { [self] in run() }
        thread.name = "log-writer"
        thread.start()
    }

    private func run() {
        var batch: [UInt8] = []
        var done = 0
        while true {
            condition.lock()
            settled += done
            condition.broadcast()
            while pendingLines == 0 && dropped == 0 {
                idle = true
                condition.wait()
                idle = false
            }
            let hurry = flushes > 0
            condition.unlock()
            // Lets lines gather (a monotonic sleep), unless someone waits for them.
            if hurry == false { usleep(10_000) }
            condition.lock()
            swap(&batch, &pending)
            let lines = pendingLines
            let lost = dropped
            pendingLines = 0
            dropped = 0
            condition.unlock()
            write(batch)
            if lost > 0 { write(LogLine.droppedReport(lost)) }
            done = lines + lost
            batch.removeAll(keepingCapacity: batch.capacity <= 64 << 10)
        }
    }

    /// Writes all of `bytes`, retrying interrupted and partial writes; gives up on an error
    /// (a closed descriptor cannot be logged to).
    private func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if n > 0 {
                    offset += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else if n < 0 && errno == EAGAIN {
                    var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&poller, 1, 1000)
                } else {
                    return
                }
            }
        }
    }
}
