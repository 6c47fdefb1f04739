import Foundation

/// A mutex and condition variable whose timed waits run on the monotonic clock, so a
/// wall-clock step (NTP at boot) never stretches or cuts them (`NSCondition` waits until
/// a wall-clock date).
package final class MonotonicCondition: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    package init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    package func lock() { pthread_mutex_lock(mutex) }
    package func unlock() { pthread_mutex_unlock(mutex) }
    package func broadcast() { pthread_cond_broadcast(condition) }

    /// Waits (the lock held) until woken.
    package func wait() { pthread_cond_wait(condition, mutex) }

    /// Waits (the lock held) until woken or `deadline` (from `MonotonicCondition.now`) passes.
    package func wait(until deadline: timespec) {
        var deadline = deadline
        pthread_cond_timedwait(condition, mutex, &deadline)
    }

    /// The monotonic clock `seconds` from now.
    package static func now(plus seconds: Double = 0) -> timespec {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        let nanoseconds = Int(time.tv_nsec) + Int(seconds * 1e9)
        time.tv_sec += nanoseconds / 1_000_000_000
        time.tv_nsec = nanoseconds % 1_000_000_000
        return time
    }

    package static func isPast(_ deadline: timespec) -> Bool {
        let now = now()
        return (now.tv_sec, now.tv_nsec) >= (deadline.tv_sec, deadline.tv_nsec)
    }
}
