import Foundation
import Logging

/// The largest thread count of this process seen by `sample()`.
final class ThreadPeak: @unchecked Sendable {
    private let lock = NSLock()
    private var peak = 0
    var value: Int { lock.withLock { peak } }

    func sample() {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Threads:") }),
            let count = Int(line.dropFirst(8).trimmingCharacters(in: .whitespaces))
        else { return }
        lock.withLock { peak = max(peak, count) }
    }
}

/// A log handler keeping every line's message and metadata.
final class LineCapture: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    var text: String { lock.withLock { lines.joined(separator: "\n") } }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        lock.withLock { lines.append("\(event.message) \(event.metadata ?? [:])") }
    }
}
