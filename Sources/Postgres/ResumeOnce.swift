import NIOConcurrencyHelpers

/// A continuation resumed exactly once, by whichever of two racers comes first.
package final class ResumeOnce<T: Sendable>: Sendable {
    private let state = NIOLockedValueBox<(continuation: CheckedContinuation<T, any Error>?, pending: Result<T, any Error>?)>(
        (nil, nil))

    package func set(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLockedValue { state -> Result<T, any Error>? in
            if let pending = state.pending { return pending }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    /// Resumes with `result` unless already resumed; true when this call did.
    @discardableResult
    package func resume(with result: Result<T, any Error>) -> Bool {
        let continuation = state.withLockedValue { state -> CheckedContinuation<T, any Error>?? in
            if let continuation = state.continuation {
                state.continuation = nil
                state.pending = result
                return .some(continuation)
            }
            if state.pending != nil { return .none }
            state.pending = result
            return .some(nil)
        }
        switch continuation {
        case .none: return false
        case .some(let waiting):
            waiting?.resume(with: result)
            return true
        }
    }
}
