import Foundation
import Logging

/// Writes one JSON object per line (timestamp, level, message, metadata) to stdout, or
/// a readable text line when `LOG_FORMAT=text`.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    let json: Bool

    public init(label: String, level: Logger.Level, json: Bool) {
        self.label = label
        self.logLevel = level
        self.json = json
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        Self.write(line(event) + "\n")
    }

    /// The line `event` is written as (without its newline).
    func line(_ event: LogEvent) -> String {
        var fields = self.metadata
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        let timestamp = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
        let line: String
        if json {
            var object: [String: Any] = [
                "timestamp": timestamp, "level": event.level.rawValue, "message": event.message.description,
            ]
            for (key, value) in fields { object[key] = Self.plain(value) }
            let data =
                (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        } else {
            let rendered = fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            line = "\(timestamp) \(event.level.rawValue.uppercased()) \(event.message)\(rendered.isEmpty ? "" : " " + rendered)"
        }
        return line
    }

    private static let lock = NSLock()
    private static func write(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    private static func plain(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let s): s
        case .stringConvertible(let c): c.description
        case .array(let a): a.map(plain)
        case .dictionary(let d): d.mapValues(plain)
        }
    }
}
