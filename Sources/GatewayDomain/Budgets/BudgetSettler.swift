import GatewayCore
import Logging
import NIOConcurrencyHelpers

/// Settles finished calls' reservations off the request path, every `interval` in one
/// statement (`BatchWriter`), and releases the holds of gateways that died once they expire.
/// Until a call is settled its worst case stays reserved, so a late settlement can refuse a
/// call that would have fit, never admit one that does not. At most `capacity` settlements
/// wait (a database down for long); beyond, a call's hold is left to expire and its spend is
/// not charged to budgets (its usage is still recorded).
package final class BudgetSettler: BatchWriter, Sendable {
    private let budgets: any BudgetRepository
    package let interval: Duration
    package let logs: DampedLog
    package let gate = FlushGate()
    package let capacity: Int
    private let pending = NIOLockedValueBox<[BudgetSettlement]>([])
    private let ticks = NIOLockedValueBox(0)

    package init(budgets: any BudgetRepository, interval: Duration = .seconds(1), capacity: Int = 100_000, logs: DampedLog) {
        self.budgets = budgets
        self.interval = interval
        self.capacity = capacity
        self.logs = logs
    }

    /// Queues a settlement; costs an append.
    package func note(_ settlement: BudgetSettlement) {
        let kept = pending.withLockedValue { pending in
            guard pending.count < capacity else { return false }
            pending.append(settlement)
            return true
        }
        if kept == false { logs.error("settling a budget reservation failed; dropped", error: SettlementQueueFull()) }
    }

    /// Settles what was queued; while the database is unreachable it stays queued. Every
    /// thirtieth write also releases expired holds.
    package func writeBatch() async {
        let batch = pending.withLockedValue { pending in
            defer { pending.removeAll() }
            return pending
        }
        if batch.isEmpty == false {
            await write(
                "settling budget reservations", body: { try await budgets.settle(batch) },
                keep: {
                    pending.withLockedValue { pending in
                        pending.insert(contentsOf: batch.prefix(max(0, capacity - pending.count)), at: 0)
                    }
                })
        }
        let tick = ticks.withLockedValue { tick in
            tick &+= 1
            return tick
        }
        if tick % 30 == 1 {
            await write("releasing expired budget holds", body: { _ = try await budgets.releaseExpired() }, keep: {})
        }
    }

    package struct SettlementQueueFull: Error, CustomStringConvertible {
        package var description: String { "too many settlements waiting for the database" }
    }
}
