import Synchronization

/// Ends answers at their deadlines: one task per process that looks every `tick` (it runs
/// only while some deadline is watched), instead of a timer task per call. An answer ends
/// at most one tick after its deadline.
final class DeadlineSweeper: Sendable {
    /// What `watch` returns, to release the watch when the answer ends first.
    typealias Watch = UInt64
    typealias Expire = @Sendable () -> Void

    static let shared = DeadlineSweeper(tick: .milliseconds(50))

    private struct State {
        var watched: [Watch: (deadline: ContinuousClock.Instant, expire: Expire)] = [:]
        var lastWatch: Watch = 0
        /// No watched deadline is earlier (one released since may have been).
        var earliest: ContinuousClock.Instant?
        var sweeping = false
    }

    private let state = Mutex(State())
    private let tick: Duration

    init(tick: Duration) {
        self.tick = tick
    }

    /// Runs `expire` once `deadline` has passed, unless the watch is released first.
    func watch(_ deadline: ContinuousClock.Instant, expire: @escaping Expire) -> Watch {
        let (watch, start) = state.withLock { state in
            state.lastWatch += 1
            state.watched[state.lastWatch] = (deadline, expire)
            if state.earliest.map({ deadline < $0 }) ?? true { state.earliest = deadline }
            defer { state.sweeping = true }
            return (state.lastWatch, state.sweeping == false)
        }
        if start { Task { await self.sweep() } }
        return watch
    }

    /// Stops watching (the answer ended before its deadline).
    func release(_ watch: Watch) {
        _ = state.withLock { $0.watched.removeValue(forKey: watch) }
    }

    /// Deadlines being watched now.
    var watching: Int { state.withLock { $0.watched.count } }

    private func sweep() async {
        while true {
            try? await Task.sleep(for: tick)
            let now = ContinuousClock.now
            let due = state.withLock { state -> [Expire]? in
                guard state.watched.isEmpty == false else {
                    state.sweeping = false
                    state.earliest = nil
                    return nil
                }
                guard let earliest = state.earliest, earliest <= now else { return [] }
                var due: [Expire] = []
                var next: ContinuousClock.Instant?
                for (watch, entry) in state.watched {
                    if entry.deadline <= now {
                        due.append(entry.expire)
                        state.watched[watch] = nil
                    } else if next.map({ entry.deadline < $0 }) ?? true {
                        next = entry.deadline
                    }
                }
                state.earliest = next
                return due
            }
            guard let due else { return }
            for expire in due { expire() }
        }
    }
}
