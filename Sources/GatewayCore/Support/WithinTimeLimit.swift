/// What `body` returns, or nil once `limit` passed first (`body` is then cancelled).
package func value<T: Sendable>(within limit: Duration, of body: @escaping @Sendable () async -> T) async -> T? {
    await withTaskGroup(of: T?.self) { group in
        group.addTask { await body() }
        group.addTask {
            try? await Task.sleep(for: limit)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}
