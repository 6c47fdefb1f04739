import NIOConcurrencyHelpers

/// Group commit: writes submitted while another is in flight are written together, in
/// one statement, as soon as it finishes. An idle writer writes at once (no added delay);
/// under load, N concurrent writes cost one round trip and one transaction instead of N.
///
/// Each caller still waits for its own row to be committed. When a batch fails, its items
/// are written again one per call, so a single bad item fails alone.
final class GroupCommit<Item: Sendable>: Sendable {
    private struct Pending {
        let item: Item
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var pending: [Pending] = []
        var flushing = false
        var batchesWritten = 0
    }

    private let state = NIOLockedValueBox(State())
    private let maxBatch: Int
    private let write: @Sendable ([Item]) async throws -> Void

    /// - Parameters:
    ///   - maxBatch: the most items written in one call.
    ///   - write: writes one or more items atomically.
    init(maxBatch: Int, write: @escaping @Sendable ([Item]) async throws -> Void) {
        self.maxBatch = maxBatch
        self.write = write
    }

    /// How many multi-item statements succeeded so far (for tests and curiosity).
    var batchesWritten: Int { state.withLockedValue { $0.batchesWritten } }

    /// Returns once `item` is written; throws what its write threw.
    func submit(_ item: Item) async throws {
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
                try await write(batch.map(\.item))
                state.withLockedValue { $0.batchesWritten += 1 }
                batch.forEach { $0.continuation.resume() }
                return
            } catch {
                // Fall through: find the failing item(s) by writing each alone.
            }
        }
        for pending in batch {
            do {
                try await write([pending.item])
                pending.continuation.resume()
            } catch {
                pending.continuation.resume(throwing: error)
            }
        }
    }
}
