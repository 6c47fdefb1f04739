import BotKit
import Foundation
import GatewayCore
import GatewayDomain
import GatewayHTTP
import Logging

/// The text of one log line: a JSON object with sorted keys (`timestamp`, `level`,
/// `message` and the metadata), or a readable line. Built by hand, without Foundation's
/// JSON or date formatters, because every request writes one.
package enum LogLine {
    package static func json(level: Logger.Level, message: String, fields: Logger.Metadata, at time: timespec) -> [UInt8] {
        var keys = fields.keys.filter { Self.fixedKeys.contains($0) == false }
        keys.append(contentsOf: Self.fixedKeys)
        keys.sort()
        var line: [UInt8] = []
        line.reserveCapacity(256)
        line.append(UInt8(ascii: "{"))
        for (index, key) in keys.enumerated() {
            if index > 0 { line.append(UInt8(ascii: ",")) }
            JSONValue.append(string: key, to: &line)
            line.append(UInt8(ascii: ":"))
            switch key {
            case "timestamp": JSONValue.append(string: timestamp(time), to: &line)
            case "level": JSONValue.append(string: level.rawValue, to: &line)
            case "message": JSONValue.append(string: message, to: &line)
            default: append(fields[key]!, to: &line)
            }
        }
        line.append(contentsOf: "}\n".utf8)
        return line
    }

    /// The keys every line has; metadata of the same name is left out.
    private static let fixedKeys = ["level", "message", "timestamp"]

    private static func append(_ value: Logger.Metadata.Value, to line: inout [UInt8]) {
        switch value {
        case .string(let text): JSONValue.append(string: text, to: &line)
        case .stringConvertible(let convertible): JSONValue.append(string: convertible.description, to: &line)
        case .array, .dictionary: line.append(contentsOf: plain(value).jsonBytes)
        }
    }

    /// `time LEVEL message key=value…` (logfmt-like). The message, keys and values come
    /// quoted and escaped as JSON strings whenever they hold anything but plain printable
    /// ASCII without spaces, quotes or `=`, so no request can forge a line or a field.
    package static func text(level: Logger.Level, message: String, fields: Logger.Metadata, at time: timespec) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(128)
        line.append(contentsOf: "\(timestamp(time)) \(level.rawValue.uppercased()) ".utf8)
        appendText(message, to: &line)
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            line.append(UInt8(ascii: " "))
            appendText(key, to: &line)
            line.append(UInt8(ascii: "="))
            appendText("\(value)", to: &line)
        }
        line.append(UInt8(ascii: "\n"))
        return line
    }

    /// `text` as it is when every byte is plain, else as a JSON string.
    private static func appendText(_ text: String, to line: inout [UInt8]) {
        let plain =
            text.isEmpty == false
            && text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "=") }
        if plain { line.append(contentsOf: text.utf8) } else { JSONValue.append(string: text, to: &line) }
    }

    /// The line reporting lines dropped because the output could not keep up.
    package static func droppedReport(_ count: Int) -> [UInt8] {
        json(level: .warning, message: "log lines dropped", fields: ["count": "\(count)"], at: now())
    }

    package static func now() -> timespec {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return time
    }

    /// `2026-11-26T18:21:50.013Z` (UTC, milliseconds).
    package static func timestamp(_ time: timespec) -> String {
        var seconds = time_t(time.tv_sec)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(Int(parts.tm_year) + 1900, 4)
        out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2)
        out.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2)
        out.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2)
        out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2)
        out.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2)
        out.append(UInt8(ascii: "."))
        digits(Int(time.tv_nsec) / 1_000_000, 3)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    private static func plain(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let items): .array(items.map(plain))
        case .dictionary(let members): .object(members.mapValues(plain))
        }
    }
}
