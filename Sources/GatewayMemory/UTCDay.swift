import Foundation
import GatewayDomain

/// Calendar days in UTC as PostgreSQL's `(now() AT TIME ZONE 'UTC')::date` gives them: the
/// in-memory stores date usage and budgets by these.
package enum UTCDay {
    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// `YYYY-MM-DD` of the day holding `date`.
    package static func string(_ date: Date) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }

    /// The start of the day `days` after the one holding `date` (negative: before).
    package static func start(of date: Date, adding days: Int = 0) -> Date {
        calendar.date(byAdding: .day, value: days, to: calendar.startOfDay(for: date))!
    }

    /// The start of the month holding `date`, or of the one `months` after it.
    package static func startOfMonth(_ date: Date, adding months: Int = 0) -> Date {
        let first = calendar.date(from: calendar.dateComponents([.year, .month], from: date))!
        return calendar.date(byAdding: .month, value: months, to: first)!
    }
}
