import Foundation
import Logging

/// The largest thread count of this process (or of its threads with one name) seen by `sample()`.
final class ThreadPeak: @unchecked Sendable {
    private let lock = NSLock()
    private var peak = 0
    /// Counts only threads with this name (threads inherit their creator's name), or all.
    let named: String?
    var value: Int { lock.withLock { peak } }

    init(named: String? = nil) { self.named = named }

    func sample() {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else { return }
        let count =
            named.map { name in
                tasks.count { task in
                    let comm = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)
                    return comm?.trimmingCharacters(in: .whitespacesAndNewlines) == name
                }
            } ?? tasks.count
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
