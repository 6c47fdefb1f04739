import Logging
import NIOConcurrencyHelpers

/// Logs a repeated error once, then at most one summary line per interval with how many
/// times it happened meanwhile, so an outage (every request failing the same way) writes
/// a few lines instead of thousands. Every occurrence is still counted by the caller's
/// metrics. Errors are told apart by message and error text; the table is bounded.
package final class DampedLog: Sendable {
    private struct Entry {
        package var loggedAt: ContinuousClock.Instant
        package var suppressed: Int
    }

    private let entries = NIOLockedValueBox<[String: Entry]>([:])
    private let logger: Logger
    private let interval: Duration
    /// Distinct errors remembered at once; beyond it the table starts over.
    package static let capacity = 256

    package init(logger: Logger, interval: Duration = .seconds(10)) {
        self.logger = logger
        self.interval = interval
    }

    /// Logs `message` at error level unless the same error was logged within the interval.
    package func error(
        _ message: Logger.Message, error: any Error, metadata: Logger.Metadata = [:], now: ContinuousClock.Instant = .now
    ) {
        let text = String(describing: error)
        let context = metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        let key = "\(message)|\(context)|\(text.prefix(160))"
        let suppressed = entries.withLockedValue { entries -> Int? in
            if var entry = entries[key], now - entry.loggedAt < interval {
                entry.suppressed += 1
                entries[key] = entry
                return nil
            }
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            let previous = entries[key]?.suppressed ?? 0
            entries[key] = Entry(loggedAt: now, suppressed: 0)
            return previous
        }
        guard let suppressed else { return }
        var fields = metadata
        fields["error"] = .string(text)
        if suppressed > 0 { fields["repeated"] = "\(suppressed)" }
        logger.error(message, metadata: fields)
    }
}
