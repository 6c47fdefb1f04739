/// Splits a byte stream into lines (LF or CRLF), keeping an incomplete tail for later.
/// Each byte is searched for a newline once, however small the chunks a long line comes in.
package struct LineFramer {
    private var pending: [UInt8] = []
    /// How many bytes at the front of `pending` are known to hold no newline.
    private var scanned = 0
    /// Longest line accepted; a longer one is a malformed upstream.
    package let maxLine: Int

    package init(maxLine: Int = 1 << 20) { self.maxLine = maxLine }

    package mutating func feed(_ bytes: [UInt8]) throws -> [String] {
        pending.append(contentsOf: bytes)
        var lines: [String] = []
        var start = 0
        while let newline = pending[max(start, scanned)...].firstIndex(of: UInt8(ascii: "\n")) {
            var end = newline
            if end > start, pending[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            lines.append(String(decoding: pending[start..<end], as: UTF8.self))
            start = newline + 1
        }
        pending.removeFirst(start)
        scanned = pending.count
        if pending.count > maxLine { throw WireError.malformed("line longer than \(maxLine) bytes") }
        return lines
    }

    /// The last line when the stream ended without a newline.
    package mutating func flush() -> String? {
        defer {
            pending = []
            scanned = 0
        }
        return pending.isEmpty ? nil : String(decoding: pending, as: UTF8.self)
    }
}

/// Collects Server-Sent Events from lines: `event:` and `data:` fields, dispatched on a
/// blank line.
package struct SSEDecoder {
    package struct Event: Equatable {
        package var name: String
        package var data: String
    }

    private var name = ""
    private var data: [String] = []

    package init() {}

    package mutating func line(_ line: String) -> Event? {
        if line.isEmpty {
            defer {
                name = ""
                data = []
            }
            return data.isEmpty ? nil : Event(name: name.isEmpty ? "message" : name, data: data.joined(separator: "\n"))
        }
        if line.hasPrefix(":") { return nil }
        let (field, value) = Self.split(line)
        switch field {
        case "event": name = value
        case "data": data.append(value)
        default: break
        }
        return nil
    }

    package mutating func finish() -> Event? { line("") }

    private static func split(_ line: String) -> (String, String) {
        guard let colon = line.firstIndex(of: ":") else { return (line, "") }
        var value = line[line.index(after: colon)...]
        if value.first == " " { value = value.dropFirst() }
        return (String(line[..<colon]), String(value))
    }
}

/// The upstream answered something we cannot read.
package enum WireError: Error, Equatable {
    case malformed(String)
    /// The upstream reported an error inside a successful response (e.g. an SSE `error` event).
    case upstream(String)
}
