/// The caches `UserChangeListener` keeps honest, and how a notification reaches them:
/// `<id>` drops a user, `*` every user, `key:<hash>` one API key, `key:*` every key,
/// `budget:<user id>` one user's budgets, `budget:*` everyone's.
struct AuthCaches: Sendable {
    let users: UserCache
    let keys: APIKeyCache
    let budgets: BudgetCache

    func apply(_ payload: String) {
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

    func setServing(_ serving: Bool) {
        users.setServing(serving)
        keys.setServing(serving)
        budgets.setServing(serving)
    }

    var isServing: Bool { users.isServing && keys.isServing && budgets.isServing }
}
