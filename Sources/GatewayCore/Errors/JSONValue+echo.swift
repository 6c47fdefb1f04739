import BotKit

extension JSONValue {
    /// The value as a 422 may echo it back: itself when small (up to 1,000 values and
    /// 64 KiB of text), else a short note. Echoing a hostile megabyte would cost far more
    /// than reading it did; the check stops as soon as the budget is spent.
    package var echoable: JSONValue {
        var budget = (values: 1000, bytes: 65536)
        return fits(&budget) ? self : .string("(omitted: too large to echo)")
    }

    private func fits(_ budget: inout (values: Int, bytes: Int)) -> Bool {
        budget.values -= 1
        guard budget.values >= 0 else { return false }
        switch self {
        case .null, .bool, .int, .double: return true
        case .string(let text):
            budget.bytes -= text.utf8.count
            return budget.bytes >= 0
        case .array(let items): return items.allSatisfy { $0.fits(&budget) }
        case .object(let members):
            return members.allSatisfy { member in
                budget.bytes -= member.key.utf8.count
                return budget.bytes >= 0 && member.value.fits(&budget)
            }
        }
    }
}
