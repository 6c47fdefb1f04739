import Foundation
import GatewayCore

/// What a budget counts.
public enum BudgetUnit: String, Codable, Sendable, CaseIterable {
    /// Input and output tokens.
    case tokens
    /// Cost in `COST_CURRENCY` at the bots' prices.
    case cost
}

/// The UTC calendar period a budget renews with.
public enum BudgetPeriod: String, Codable, Sendable, CaseIterable {
    case day, month
}

/// A budget as administrators see it: a user's (`keyID` nil: every call of the user) or one
/// API key's. Amounts are tokens, or for cost budgets units of `COST_CURRENCY`; `spent` is
/// this period's, `reserved` the worst case of the calls running now.
public struct Budget: Sendable, Equatable {
    public let id: UUID
    public let userID: Int
    public let keyID: UUID?
    public let unit: BudgetUnit
    public let period: BudgetPeriod
    /// Tokens, or nanos for cost budgets.
    public let limit: Int
    public let spent: Int
    public let reserved: Int
    /// The first day of the current period and of the next (UTC, `YYYY-MM-DD`).
    public let periodStart: String
    public let periodEnd: String

    /// Every member (the memberwise initializer, open to the package's other stores).
    package init(
        id: UUID, userID: Int, keyID: UUID?, unit: BudgetUnit, period: BudgetPeriod, limit: Int, spent: Int, reserved: Int,
        periodStart: String, periodEnd: String
    ) {
        self.id = id
        self.userID = userID
        self.keyID = keyID
        self.unit = unit
        self.period = period
        self.limit = limit
        self.spent = spent
        self.reserved = reserved
        self.periodStart = periodStart
        self.periodEnd = periodEnd
    }
}

extension Budget: Encodable {
    package enum CodingKeys: String, CodingKey {
        case id, unit, period, limit, spent, reserved
        case userID = "user_id"
        case keyID = "key_id"
        case periodStart = "period_start"
        case periodEnd = "period_end"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id.lowercasedString, forKey: .id)
        try c.encode(userID, forKey: .userID)
        try c.encode(keyID?.lowercasedString, forKey: .keyID)
        try c.encode(unit, forKey: .unit)
        try c.encode(period, forKey: .period)
        for (value, key) in [(limit, CodingKeys.limit), (spent, .spent), (reserved, .reserved)] {
            if unit == .cost { try c.encode(Money.units(value), forKey: key) } else { try c.encode(value, forKey: key) }
        }
        try c.encode(periodStart, forKey: .periodStart)
        try c.encode(periodEnd, forKey: .periodEnd)
    }
}

/// Which budgets bind a user's calls (cached per user; the amounts are read under lock
/// when a call reserves).
public struct BudgetRule: Sendable, Equatable {
    public let id: UUID
    public let keyID: UUID?
    public let unit: BudgetUnit

    /// Whether calls made with `key` (nil: an access token) count against it.
    package func binds(key: UUID?) -> Bool { keyID == nil || keyID == key }

    /// Every member (the memberwise initializer, open to the package's other stores).
    package init(id: UUID, keyID: UUID?, unit: BudgetUnit) {
        self.id = id
        self.keyID = keyID
        self.unit = unit
    }
}

/// A call whose worst case does not fit a budget: 429 `budget_exceeded` with `Retry-After`
/// (until the period that blocks it renews).
public struct BudgetExceeded: Error, APIErrorConvertible, Equatable {
    public let retryAfterSeconds: Int

    public var apiError: APIError {
        APIError(
            .tooManyRequests, "Budget exceeded: this call's worst case does not fit what is left of the budget.",
            code: "budget_exceeded", headers: [.retryAfter: String(retryAfterSeconds)])
    }
}

/// A call's reservation against a user's and key's budgets, to settle with what it used.
public struct BudgetSettlement: Sendable, Equatable {
    public let holdID: UUID
    public let userID: Int
    public let keyID: UUID?
    public var tokens: Int
    public var costNanos: Int
}
