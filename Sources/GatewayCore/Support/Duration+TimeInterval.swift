import Foundation

extension Duration {
    /// The duration in seconds, for Foundation's `Date` arithmetic.
    package var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }

    /// In milliseconds, with fractions (latencies for operators and traces).
    package var milliseconds: Double { timeInterval * 1000 }

    /// `count` days of 86,400 seconds (UTC days have no leap seconds here).
    package static func days(_ count: Int) -> Duration { .seconds(count * 86_400) }

    /// Whole seconds, rounded up (a `Retry-After` or cookie `Max-Age` never undershoots).
    package var wholeSecondsRoundedUp: Int { Int(timeInterval.rounded(.up)) }
}
