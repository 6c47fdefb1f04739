import Foundation
import GatewayCore
import GatewayDomain
import GatewayHTTP
import Logging

/// Writes one JSON object per line (timestamp, level, message, metadata) to stdout, or
/// a readable text line when `LOG_FORMAT=text`, through `LogOutput` (never waiting for stdout).
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    package let label: String
    package let json: Bool

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
        LogOutput.standard.append(bytes(event, at: LogLine.now()))
    }

    /// The line `event` is written as (without its newline).
    package func line(_ event: LogEvent) -> String {
        String(decoding: bytes(event, at: LogLine.now()).dropLast(), as: UTF8.self)
    }

    private func bytes(_ event: LogEvent, at time: timespec) -> [UInt8] {
        var fields = self.metadata
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        let message = event.message.description
        return json
            ? LogLine.json(level: event.level, message: message, fields: fields, at: time)
            : LogLine.text(level: event.level, message: message, fields: fields, at: time)
    }
}
