import GatewayCore

/// The caches `UserChangeListener` keeps honest, and how a notification reaches them:
/// `<id>` drops a user, `*` every user, `key:<hash>` one API key, `key:*` every key,
/// `budget:<user id>` one user's budgets, `budget:*` everyone's.
package struct AuthCaches: Sendable {
    package let users: UserCache
    package let keys: APIKeyCache
    package let budgets: BudgetCache

    package func apply(_ payload: String) {
        if payload.hasPrefix("budget:") {
            budgets.invalidate(Int(payload.dropFirst(7)))
            budgets.invalidate(Budgets.anyone)
        } else if payload.hasPrefix("key:") {
            let hash = String(payload.dropFirst(4))
            keys.invalidate(hash == "*" ? nil : hash)
        } else {
            // `*`, or anything unexpected, drops every user.
            users.invalidate(Int(payload))
        }
    }

    package func setServing(_ serving: Bool) {
        users.setServing(serving)
        keys.setServing(serving)
        budgets.setServing(serving)
    }

    package var isServing: Bool { users.isServing && keys.isServing && budgets.isServing }

    package init(users: UserCache, keys: APIKeyCache, budgets: BudgetCache) {
        self.users = users
        self.keys = keys
        self.budgets = budgets
    }

}
