import GatewayCore

/// Amounts of `COST_CURRENCY`: stored and summed as integer nanos (billionths of a unit),
/// shown as decimal units.
package enum Money {
    /// Nanos as units (JSON numbers).
    package static func units(_ nanos: Int) -> Double { Double(nanos) / 1_000_000_000 }

    /// Units as nanos, rounded to the nearest (clamped to what a BIGINT holds).
    package static func nanos(_ units: Double) -> Int {
        guard units.isFinite else { return 0 }
        return Int(exactly: (units * 1_000_000_000).rounded()) ?? (units > 0 ? Int.max : 0)
    }
}
