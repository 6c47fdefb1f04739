import Foundation
import GatewayCore
import GatewayDomain
import GatewayOps

/// `AdminRepository` over the in-memory stores, with `PostgresAdminRepository`'s rules:
/// administrators are enabled users granted by email (and, with `ADMIN_EMAILS`, listed);
/// disabling a user revokes every session; deleting one takes everything it owns.
package struct InMemoryAdminRepository: AdminRepository {
    package let stores: InMemoryStores
    package let confirmedEmails: Set<String>
    package let now: @Sendable () -> Date

    package init(stores: InMemoryStores, confirmedEmails: Set<String> = [], now: @escaping @Sendable () -> Date = { Date() }) {
        self.stores = stores
        self.confirmedEmails = confirmedEmails
        self.now = now
    }

    package func isAdmin(userID: Int) async throws -> Bool {
        guard let row = stores.users.row(userID), row.isAdmin, row.disabled == false else { return false }
        return confirmedEmails.isEmpty || confirmedEmails.contains(row.user.email.lowercased())
    }

    package func setAdmin(email: String, _ admin: Bool) async throws -> Bool {
        guard let id = stores.users.id(email: email) else { return false }
        return stores.users.update(id) { $0.isAdmin = admin }
    }

    package func users(search: String?, limit: Int, after: Int?) async throws -> [AdminUser] {
        let needle = search?.lowercased()
        return stores.users.all().filter { row in
            row.user.id > (after ?? 0)
                && (needle.map { row.user.name.lowercased().contains($0) || row.user.email.lowercased().contains($0) } ?? true)
        }.prefix(limit).map { row in
            AdminUser(id: row.user.id, name: row.user.name, email: row.user.email, isAdmin: row.isAdmin, disabled: row.disabled)
        }
    }

    package func setDisabled(userID: Int, _ disabled: Bool) async throws -> Bool {
        guard stores.users.update(userID, { $0.disabled = disabled }) else { return false }
        if disabled { _ = try await stores.sessions.revokeAll(userID: userID) }
        return true
    }

    package func delete(userID: Int) async throws -> Bool {
        guard stores.users.remove(userID) else { return false }
        stores.sessions.removeAll(userID: userID)
        stores.apiKeys.removeAll(userID: userID)
        stores.conversations.removeAll(userID: userID)
        stores.budgets.removeAll(userID: userID)
        return true
    }

    package func usage(from: String, to: String, userID: Int?) async throws -> (all: [AdminUsageRow], byKey: [AdminUsageRow]) {
        func rows(byKey: Bool) -> [AdminUsageRow] {
            stores.usage.rows(byKey: byKey)
                .filter { $0.day >= from && $0.day <= to && (userID == nil || $0.userID == userID) }
                .sorted { ($1.day, $0.userID, $0.bot) < ($0.day, $1.userID, $1.bot) }
                .prefix(10_000)
                .map { row in
                    AdminUsageRow(
                        userID: row.userID, email: stores.users.row(row.userID)?.user.email ?? "", bot: row.bot,
                        keyID: row.keyID, day: row.day, requests: row.counts.requests, inputTokens: row.counts.inputTokens,
                        outputTokens: row.counts.outputTokens, cachedInputTokens: row.counts.cachedInputTokens,
                        costNanos: row.counts.costNanos)
                }
        }
        return (rows(byKey: false), rows(byKey: true))
    }

    package func daily(days: Int) async throws -> [DailyStats] {
        let now = now()
        let usage = stores.usage.rows(byKey: false)
        let replies = stores.conversations.replies()
        return (0..<days).reversed().map { back in
            let day = UTCDay.string(UTCDay.start(of: now, adding: -back))
            let used = usage.filter { $0.day == day }
            let answers = replies.filter { UTCDay.string($0.createdAt) == day }
            return DailyStats(
                day: day, requests: used.reduce(0) { $0 + $1.counts.requests },
                costNanos: used.reduce(0) { $0 + $1.counts.costNanos },
                errors: answers.filter { $0.status != .ok }.count,
                medianLatencyMs: Self.median(answers.compactMap(\.latencyMs)))
        }
    }

    /// `percentile_cont(0.5)`: the middle value, or the mean of the middle two.
    private static func median(_ values: [Int]) -> Double? {
        guard values.isEmpty == false else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? Double(sorted[middle]) : Double(sorted[middle - 1] + sorted[middle]) / 2
    }

    package func keys(limit: Int) async throws -> [AdminKey] {
        let now = now()
        let minutes = DateFormatter()
        minutes.locale = Locale(identifier: "en_US_POSIX")
        minutes.timeZone = TimeZone(identifier: "UTC")
        minutes.dateFormat = "yyyy-MM-dd HH:mm"
        return stores.apiKeys.all().sorted {
            ($1.row.info.createdAt, $0.id.lowercasedString) < ($0.row.info.createdAt, $1.id.lowercasedString)
        }
        .prefix(limit).compactMap { id, row in
            guard let owner = stores.users.row(row.userID) else { return nil }
            let expired = row.info.expiresAt.map { $0 <= now } ?? false
            return AdminKey(
                id: id, userID: row.userID, email: owner.user.email, name: row.info.name, prefix: row.info.prefix,
                scope: row.info.scope, bots: row.info.bots, createdAt: minutes.string(from: row.info.createdAt),
                lastUsedAt: row.info.lastUsedAt.map(minutes.string(from:)),
                state: row.revoked ? "revoked" : expired ? "expired" : "active")
        }
    }
}
