import Foundation

/// Where log lines go: a bounded buffer that a thread of its own writes to a file
/// descriptor (standard output for the gateway), so logging never waits for that
/// descriptor. A slow or stalled reader (a full pipe, a paused log collector) cannot stall
/// a request: past `capacity` bytes waiting, lines are dropped and counted, and the count
/// is written as a line of its own once the reader catches up. Lines wait at most 10 ms
/// (one wake-up of the writer per batch, not per line); what waits at exit is written
/// before the process ends (a crash can lose those last milliseconds).
final class LogOutput: @unchecked Sendable {
    /// The gateway's standard output.
    static let standard = LogOutput(descriptor: STDOUT_FILENO)

    private let descriptor: Int32
    private let capacity: Int
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var pending: [UInt8] = []
    private var dropped = 0
    private var writing = false
    private var idle = false
    private var flushes = 0
    private var started = false

    /// - Parameters:
    ///   - descriptor: written to and never closed.
    ///   - capacity: the bytes that may wait to be written (1 MiB by default).
    init(descriptor: Int32, capacity: Int = 1 << 20) {
        self.descriptor = descriptor
        self.capacity = capacity
    }

    /// Queues one line (which ends with its newline); never blocks on the descriptor.
    func append(_ line: [UInt8]) {
        condition.lock()
        if started == false { start() }
        if pending.count + line.count > capacity {
            dropped += 1
        } else {
            pending.append(contentsOf: line)
            // The writer collects lines for up to `interval` rather than waking per line.
            if idle || pending.count >= Self.batchBytes { condition.broadcast() }
        }
        condition.unlock()
    }

    /// Waits until everything queued so far is written, or `timeout` has passed.
    @discardableResult
    func flush(timeout: TimeInterval = 2) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        flushes += 1
        defer { flushes -= 1 }
        condition.broadcast()
        while pending.isEmpty == false || writing {
            if condition.wait(until: deadline) == false { return false }
        }
        return true
    }

    /// How long lines wait to be written together, and how many bytes are written at once.
    private static let interval: TimeInterval = 0.01
    private static let batchBytes = 64 << 10

    /// Called with the lock held.
    private func start() {
        started = true
        let thread = Thread { [self] in run() }
        thread.name = "log-writer"
        thread.start()
        if descriptor == STDOUT_FILENO { atexit { LogOutput.standard.flush() } }
    }

    private func run() {
        var batch: [UInt8] = []
        while true {
            condition.lock()
            writing = false
            condition.broadcast()
            while pending.isEmpty && dropped == 0 {
                idle = true
                condition.wait()
                idle = false
            }
            if pending.count < Self.batchBytes && flushes == 0 {
                _ = condition.wait(until: Date(timeIntervalSinceNow: Self.interval))
            }
            swap(&batch, &pending)
            let lost = dropped
            dropped = 0
            writing = true
            condition.unlock()
            write(batch)
            batch.removeAll(keepingCapacity: batch.capacity <= 64 << 10)
            if lost > 0 { write(LogLine.droppedReport(lost)) }
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
