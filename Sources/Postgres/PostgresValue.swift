import Foundation

/// A Swift value sent to PostgreSQL as a text-format query parameter.
public protocol SQLEncodable: Sendable {
    /// The parameter's text form, or nil for SQL NULL.
    var postgresText: String? { get }
}

/// A Swift value decoded from PostgreSQL's text format.
public protocol SQLDecodable: Sendable {
    init?(postgresText: String)
}

extension String: SQLEncodable, SQLDecodable {
    public var postgresText: String? { self }
    public init?(postgresText: String) { self = postgresText }
}

extension Int: SQLEncodable, SQLDecodable {
    public var postgresText: String? { String(self) }
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Int64: SQLEncodable, SQLDecodable {
    public var postgresText: String? { String(self) }
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Double: SQLEncodable, SQLDecodable {
    public var postgresText: String? { String(self) }
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Duration: SQLEncodable {
    /// Seconds, as SQL multiplies them by `interval '1 second'`.
    public var postgresText: String? {
        String(Double(components.seconds) + Double(components.attoseconds) / 1e18)
    }
}

extension Bool: SQLEncodable, SQLDecodable {
    public var postgresText: String? { self ? "t" : "f" }
    public init?(postgresText: String) {
        switch postgresText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: return nil
        }
    }
}

extension UUID: SQLEncodable, SQLDecodable {
    public var postgresText: String? { uuidString.lowercased() }
    public init?(postgresText: String) { self.init(uuidString: postgresText) }
}

extension Date: SQLEncodable, SQLDecodable {
    /// ISO 8601 in UTC with microseconds, which PostgreSQL parses for `timestamptz`.
    public var postgresText: String? {
        let micros = (timeIntervalSince1970 * 1_000_000).rounded(.down)
        let seconds = Int64((micros / 1_000_000).rounded(.down))
        let fraction = Int64(micros) - seconds * 1_000_000
        let (y, m, d) = CivilDate.fromDays(Int64(floorDiv(seconds, 86_400)))
        let sod = seconds - floorDiv(seconds, 86_400) * 86_400
        return String(
            format: "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%06lldZ", y, m, d, sod / 3600,
            (sod % 3600) / 60, sod % 60, fraction)
    }

    /// Parses `timestamptz` output in the session's UTC zone and ISO date style,
    /// e.g. `2026-11-25 07:34:21.123456+00`.
    public init?(postgresText text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19 else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for i in range {
                let b = bytes[i]
                guard b >= 48, b <= 57 else { return nil }
                value = value * 10 + Int64(b - 48)
            }
            return value
        }
        guard let y = number(0..<4), let mo = number(5..<7), let d = number(8..<10),
            let h = number(11..<13), let mi = number(14..<16), let s = number(17..<19)
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            var scale = 0.1
            index += 1
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        var offsetSeconds: Int64 = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            let sign: Int64 = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            let digits = bytes[(index + 1)...].filter { $0 >= 48 && $0 <= 57 }.map { Int64($0 - 48) }
            let hours = digits.count >= 2 ? digits[0] * 10 + digits[1] : 0
            let minutes = digits.count >= 4 ? digits[2] * 10 + digits[3] : 0
            offsetSeconds = sign * (hours * 3600 + minutes * 60)
        }
        let days = CivilDate.toDays(year: y, month: mo, day: d)
        let epoch = days * 86_400 + h * 3600 + mi * 60 + s - offsetSeconds
        self.init(timeIntervalSince1970: Double(epoch) + fraction)
    }
}

extension Optional: SQLEncodable where Wrapped: SQLEncodable {
    public var postgresText: String? { self?.postgresText }
}

private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    a >= 0 ? a / b : -((-a + b - 1) / b)
}

/// Proleptic Gregorian day arithmetic (Howard Hinnant's algorithms).
package enum CivilDate {
    package static let secondsPerDay: Int64 = 86_400

    /// The UTC day of an instant, `YYYY-MM-DD`.
    package static func utcDay(_ date: Date) -> String {
        let (y, m, d) = fromDays(floorDiv(Int64(date.timeIntervalSince1970.rounded(.down)), secondsPerDay))
        return String(format: "%04lld-%02lld-%02lld", y, m, d)
    }

    package static func toDays(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    package static func fromDays(_ days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
