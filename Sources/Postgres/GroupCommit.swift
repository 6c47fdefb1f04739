import NIOConcurrencyHelpers

/// Group commit: writes submitted while another is in flight are written together, in
/// one statement, as soon as it finishes. An idle writer writes at once (no added delay);
/// under load, N concurrent writes cost one round trip and one transaction instead of N.
///
/// Each caller still waits for its own row to be committed. The write reports an outcome
/// per item (an item can be refused while the rest commit). When a whole batch throws
/// (its statement failed, or its reply was lost after a commit), its items are written
/// again one per call, so a single bad item fails alone: writes must therefore be
/// idempotent, as the chat-turn statement is (keyed by message id).
package final class GroupCommit<Item: Sendable>: Sendable {
    fileprivate struct Pending {
        package let item: Item
        package let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        package var pending: [Pending] = []
        package var flushing = false
        package var batchesWritten = 0
    }

    private let state = NIOLockedValueBox(State())
    private let maxBatch: Int
    private let write: @Sendable ([Item]) async throws -> [(any Error)?]

    /// - Parameters:
    ///   - maxBatch: the most items written in one call.
    ///   - write: writes one or more items idempotently, returning each item's error (nil:
    ///     committed), in order.
    package init(maxBatch: Int, write: @escaping @Sendable ([Item]) async throws -> [(any Error)?]) {
        self.maxBatch = maxBatch
        self.write = write
    }

    /// How many multi-item statements succeeded so far (for tests and curiosity).
    package var batchesWritten: Int { state.withLockedValue { $0.batchesWritten } }

    /// Returns once `item` is written; throws what its write threw.
    package func submit(_ item: Item) async throws {
        try await withCheckedThrowingContinuation { continuation in
            let startFlush = state.withLockedValue { state -> Bool in
                state.pending.append(Pending(item: item, continuation: continuation))
                guard state.flushing == false else { return false }
                state.flushing = true
                return true
            }
            if startFlush { Task { await self.drain() } }
        }
    }

    /// Writes batches until nothing is pending.
    private func drain() async {
        while true {
            let batch = state.withLockedValue { state -> [Pending] in
                let batch = Array(state.pending.prefix(maxBatch))
                state.pending.removeFirst(batch.count)
                if batch.isEmpty { state.flushing = false }
                return batch
            }
            if batch.isEmpty { return }
            await flush(batch)
        }
    }

    private func flush(_ batch: [Pending]) async {
        if batch.count > 1 {
            do {
                let outcomes = try await write(batch.map(\.item))
                state.withLockedValue { $0.batchesWritten += 1 }
                for (index, pending) in batch.enumerated() {
                    pending.resume(index < outcomes.count ? outcomes[index] : GroupCommitError.missingOutcome)
                }
                return
            } catch {
                // Fall through: find the failing item(s) by writing each alone.
            }
        }
        for pending in batch {
            do {
                pending.resume(try await write([pending.item]).first ?? nil)
            } catch {
                pending.continuation.resume(throwing: error)
            }
        }
    }
}

extension GroupCommit.Pending {
    fileprivate func resume(_ error: (any Error)?) {
        if let error { continuation.resume(throwing: error) } else { continuation.resume() }
    }
}

/// A write returned fewer outcomes than items (a bug in the write): the rest fail.
package struct GroupCommitError: Error {
    package static let missingOutcome = GroupCommitError()
}
