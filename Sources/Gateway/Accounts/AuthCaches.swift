/// The caches `UserChangeListener` keeps honest, and how a notification reaches them:
/// `<id>` drops a user, `*` every user, `key:<hash>` one API key, `key:*` every key.
struct AuthCaches: Sendable {
    let users: UserCache
    let keys: APIKeyCache

    func apply(_ payload: String) {
        if payload.hasPrefix("key:") {
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
    }

    var isServing: Bool { users.isServing && keys.isServing }
}
