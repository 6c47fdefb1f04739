import Foundation
import GatewayDomain

/// The in-memory stores of one gateway, sharing their rows as PostgreSQL's tables do (a
/// key's owner is a user; deleting the user takes its sessions, keys, conversations and
/// budgets; turns add to usage). For tests of the domain and the routes without a database.
package struct InMemoryStores: Sendable {
    package let users: InMemoryUserRepository
    package let sessions: InMemorySessionRepository
    package let apiKeys: InMemoryAPIKeyRepository
    package let usage: InMemoryUsageRepository
    package let conversations: InMemoryConversationRepository
    package let budgets: InMemoryBudgetRepository

    /// `now` is the clock of every store (tests move it).
    package init(now: @escaping @Sendable () -> Date = { Date() }) {
        users = InMemoryUserRepository()
        sessions = InMemorySessionRepository(now: now)
        apiKeys = InMemoryAPIKeyRepository(users: users, now: now)
        usage = InMemoryUsageRepository(users: users, now: now)
        conversations = InMemoryConversationRepository(usage: usage, now: now)
        budgets = InMemoryBudgetRepository(users: users, keys: apiKeys, usage: usage, now: now)
    }
}
