import Foundation
import GatewayCore
import GatewayDomain
import Synchronization

/// `BudgetRepository` in this process's memory, with `PostgresBudgetRepository`'s rules: a
/// reservation admitted only when its worst case fits every budget binding the call, holds
/// released and charged once, expired holds charged in full, periods that renew on UTC days
/// and months, a new budget counting the period's usage so far.
package final class InMemoryBudgetRepository: BudgetRepository {
    private struct Stored {
        let id: UUID
        let userID: Int
        let keyID: UUID?
        let unit: BudgetUnit
        let period: BudgetPeriod
        let createdAt: Date
        var limit: Int
        var reserved = 0
        var spent = 0
        var periodStart: Date
    }

    private struct Hold {
        let budgetID: UUID
        let amount: Int
        let expiresAt: Date
    }

    private struct State {
        var budgets: [UUID: Stored] = [:]
        var holds: [UUID: [Hold]] = [:]
    }

    private let state = Mutex(State())
    private let users: InMemoryUserRepository
    private let keys: InMemoryAPIKeyRepository
    private let usage: InMemoryUsageRepository
    private let now: @Sendable () -> Date

    package init(
        users: InMemoryUserRepository, keys: InMemoryAPIKeyRepository, usage: InMemoryUsageRepository,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.users = users
        self.keys = keys
        self.usage = usage
        self.now = now
    }

    private static func currentStart(_ period: BudgetPeriod, _ now: Date) -> Date {
        period == .day ? UTCDay.start(of: now) : UTCDay.startOfMonth(now)
    }

    private static func nextStart(_ period: BudgetPeriod, _ now: Date) -> Date {
        period == .day ? UTCDay.start(of: now, adding: 1) : UTCDay.startOfMonth(now, adding: 1)
    }

    /// This period's spend; a period only moves forward.
    private static func roll(_ budget: inout Stored, _ now: Date) {
        let current = currentStart(budget.period, now)
        if budget.periodStart < current {
            budget.spent = 0
            budget.periodStart = current
        }
    }

    package func rules(userID: Int) async throws -> [BudgetRule] {
        state.withLock { state in
            state.budgets.values.filter { $0.userID == userID }.map { BudgetRule(id: $0.id, keyID: $0.keyID, unit: $0.unit) }
        }
    }

    package func anyBudget() async throws -> [BudgetRule] {
        state.withLock { state in
            state.budgets.values.prefix(1).map { BudgetRule(id: $0.id, keyID: $0.keyID, unit: $0.unit) }
        }
    }

    package func reserve(holdID: UUID, userID: Int, keyID: UUID?, tokens: Int, costNanos: Int, ttl: Duration) async throws
        -> Int?
    {
        let now = now()
        return state.withLock { state in
            let binding = state.budgets.values.filter { $0.userID == userID && ($0.keyID == nil || $0.keyID == keyID) }
            var waits: [Int] = []
            for var budget in binding {
                Self.roll(&budget, now)
                let amount = budget.unit == .tokens ? tokens : costNanos
                if budget.spent + budget.reserved + amount > budget.limit {
                    waits.append(Int(Self.nextStart(budget.period, now).timeIntervalSince(now).rounded(.up)))
                }
            }
            guard waits.isEmpty else { return max(1, waits.max()!) }
            for budget in binding {
                let amount = budget.unit == .tokens ? tokens : costNanos
                Self.roll(&state.budgets[budget.id]!, now)
                state.budgets[budget.id]!.reserved += amount
                state.holds[holdID, default: []].append(
                    Hold(budgetID: budget.id, amount: amount, expiresAt: now + ttl.timeInterval))
            }
            return nil
        }
    }

    package func settle(_ settlements: [BudgetSettlement]) async throws {
        let now = now()
        state.withLock { state in
            for settlement in settlements {
                // A hold no longer there (expired and charged, or settled before) is not charged again.
                for hold in state.holds.removeValue(forKey: settlement.holdID) ?? [] {
                    guard var budget = state.budgets[hold.budgetID] else { continue }
                    Self.roll(&budget, now)
                    budget.reserved = max(budget.reserved - hold.amount, 0)
                    budget.spent += budget.unit == .tokens ? settlement.tokens : settlement.costNanos
                    state.budgets[hold.budgetID] = budget
                }
            }
        }
    }

    package func releaseExpired() async throws -> Int {
        let now = now()
        return state.withLock { state in
            var released = 0
            for (holdID, holds) in state.holds {
                let (expired, kept) = (holds.filter { $0.expiresAt < now }, holds.filter { $0.expiresAt >= now })
                state.holds[holdID] = kept.isEmpty ? nil : kept
                for hold in expired {
                    released += 1
                    guard var budget = state.budgets[hold.budgetID] else { continue }
                    Self.roll(&budget, now)
                    budget.reserved = max(budget.reserved - hold.amount, 0)
                    budget.spent += hold.amount
                    state.budgets[hold.budgetID] = budget
                }
            }
            return released
        }
    }

    package func list(userID: Int?) async throws -> [Budget] {
        let now = now()
        return state.withLock { state in
            state.budgets.values.filter { userID == nil || $0.userID == userID }
                .sorted { ($0.userID, $0.createdAt, $0.id.lowercasedString) < ($1.userID, $1.createdAt, $1.id.lowercasedString) }
                .map { Self.budget($0, now) }
        }
    }

    package func put(userID: Int, keyID: UUID?, unit: BudgetUnit, period: BudgetPeriod, limit: Int) async throws -> Budget? {
        guard users.row(userID) != nil else { return nil }
        if let keyID, keys.owner(of: keyID) != userID { return nil }
        let now = now()
        let start = Self.currentStart(period, now)
        let day = UTCDay.string(start)
        let spent = usage.rows(byKey: keyID != nil)
            .filter { $0.userID == userID && $0.keyID == keyID && $0.day >= day }
            .reduce(0) { $0 + (unit == .tokens ? $1.counts.inputTokens + $1.counts.outputTokens : $1.counts.costNanos) }
        return state.withLock { state in
            if let existing = state.budgets.values.first(where: {
                $0.userID == userID && $0.keyID == keyID && $0.unit == unit && $0.period == period
            }) {
                state.budgets[existing.id]!.limit = limit
                return Self.budget(state.budgets[existing.id]!, now)
            }
            let budget = Stored(
                id: UUID.random(), userID: userID, keyID: keyID, unit: unit, period: period, createdAt: now, limit: limit,
                spent: spent, periodStart: start)
            state.budgets[budget.id] = budget
            return Self.budget(budget, now)
        }
    }

    package func delete(id: UUID) async throws -> Bool {
        state.withLock { state in state.budgets.removeValue(forKey: id) != nil }
    }

    /// Drops the budgets of a deleted user (the foreign key's cascade).
    package func removeAll(userID: Int) {
        state.withLock { state in state.budgets = state.budgets.filter { $0.value.userID != userID } }
    }

    private static func budget(_ stored: Stored, _ now: Date) -> Budget {
        var rolled = stored
        roll(&rolled, now)
        return Budget(
            id: rolled.id, userID: rolled.userID, keyID: rolled.keyID, unit: rolled.unit, period: rolled.period,
            limit: rolled.limit, spent: rolled.spent, reserved: rolled.reserved,
            periodStart: UTCDay.string(currentStart(rolled.period, now)), periodEnd: UTCDay.string(nextStart(rolled.period, now)))
    }
}
