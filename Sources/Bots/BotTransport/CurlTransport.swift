import CCurl
import Foundation

/// Every HTTP transfer of the process, driven by one thread running a libcurl multi
/// handle: `curl_multi_poll` sleeps until a socket is ready or `curl_multi_wakeup` is
/// called (new work, a cancellation, a resume). No thread per request, nothing blocking
/// on Swift's cooperative pool. Connections are kept alive and reused across requests
/// (a cache of `maxConnections`, HTTP/2 multiplexed where TLS upstreams offer it), and
/// DNS answers and TLS sessions are cached for every transfer.
package final class CurlTransport: @unchecked Sendable {
    /// The process-wide transport, started on first use.
    package static let shared = CurlTransport()

    private enum Command {
        case add(CurlTransfer)
        case cancel(CurlTransfer)
        case resume(CurlTransfer)
    }

    private let multi: UnsafeMutableRawPointer
    /// DNS and TLS session caches shared by every transfer; touched on the driver thread only.
    private let share: UnsafeMutableRawPointer
    private let lock = NSLock()
    private var commands: [Command] = []
    /// Driver-thread only: live transfers by easy-handle address.
    private var active: [UInt: CurlTransfer] = [:]
    private var activeCount = 0
    /// Driver-thread only: transfers that received something this pass (`CurlTransfer.flush`).
    var dirty: [CurlTransfer] = []

    private init() {
        _ = Self.globalInit
        multi = curl_multi_init()!
        // libcurl's default cache (four per running transfer) closes connections as soon as
        // concurrency drops, so calls beyond a handful open their own: keep them all.
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, Self.maxConnections)
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        share = curl_share_init()!
        _ = ccurl_share_setopt_long(share, CURLSHOPT_SHARE, Int(CURL_LOCK_DATA_SSL_SESSION.rawValue))
        _ = ccurl_share_setopt_long(share, CURLSHOPT_SHARE, Int(CURL_LOCK_DATA_DNS.rawValue))
        let thread = Thread { [unowned self] in
            // Named from inside: Foundation does not pass a name set before `start` to the
            // kernel, where `top -H` and /proc read it.
            _ = ccurl_name_current_thread("curl-transport")
            self.drive()
        }
        Self.driverThreads.withLock { $0 += 1 }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Idle upstream connections kept for reuse (each closes after libcurl's 118 s idle
    /// age): up to 1,024, but never more than an eighth of the process's file descriptors,
    /// so an idle cache cannot starve clients or the database pool.
    package static let maxConnections: Int = {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 64 }
        return max(16, min(1024, Int(clamping: limit.rlim_cur) / 8))
    }()

    /// Driver threads started in this process (one, whatever the number of calls).
    package static let driverThreads = LockedCounter()

    /// `curl_global_init`, once per process.
    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// Transfers currently running (for tests and metrics).
    package var runningTransfers: Int { lock.withLock { activeCount } }

    /// Starts a transfer; its events arrive on the returned stream. Dropping or
    /// cancelling the consumer removes the transfer at once.
    package func start(_ request: TransportRequest) -> TransferStream {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: TransportEvent.self)
        guard let transfer = CurlTransfer(request, continuation: continuation, transport: self) else {
            continuation.finish(throwing: TransportError.failed("curl_easy_init failed"))
            return TransferStream(base: stream, transfer: nil, transport: self)
        }
        continuation.onTermination = { [weak self, weak transfer] reason in
            guard case .cancelled = reason, let self, let transfer else { return }
            self.send(.cancel(transfer))
        }
        send(.add(transfer))
        return TransferStream(base: stream, transfer: transfer, transport: self)
    }

    fileprivate func resume(_ transfer: CurlTransfer) { send(.resume(transfer)) }

    fileprivate func cancel(_ transfer: CurlTransfer) { send(.cancel(transfer)) }

    private func send(_ command: Command) {
        lock.withLock {
            commands.append(command)
            if case .add = command { activeCount += 1 }
        }
        curl_multi_wakeup(multi)
    }

    private func drive() {
        var running: Int32 = 0
        while true {
            let pending = lock.withLock {
                defer { commands.removeAll(keepingCapacity: true) }
                return commands
            }
            for command in pending { apply(command) }
            curl_multi_perform(multi, &running)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
                let code = message.pointee.data.result
                if let transfer = remove(easy) { transfer.complete(code) }
            }
            for transfer in dirty where transfer.dirty { transfer.flush() }
            dirty.removeAll(keepingCapacity: true)
            expireIdle()
            // Wake at least every 250 ms while transfers run, to enforce idle timeouts.
            curl_multi_poll(multi, nil, 0, active.isEmpty ? 1000 : 250, nil)
        }
    }

    /// Ends transfers whose upstream has been silent longer than their idle timeout.
    private func expireIdle() {
        let now = ContinuousClock.now
        for transfer in active.values where transfer.isIdle(now: now) {
            guard remove(transfer.handle) != nil else { continue }
            transfer.finished = true
            transfer.continuation.finish(throwing: TransportError.idle)
        }
    }

    private func apply(_ command: Command) {
        switch command {
        case .add(let transfer):
            active[UInt(bitPattern: transfer.handle)] = transfer
            _ = ccurl_setopt_pointer(transfer.handle, CURLOPT_SHARE, share)
            curl_multi_add_handle(multi, transfer.handle)
        case .cancel(let transfer):
            guard transfer.finished == false, remove(transfer.handle) != nil else { return }
            transfer.finished = true
            transfer.continuation.finish(throwing: CancellationError())
        case .resume(let transfer):
            if active[UInt(bitPattern: transfer.handle)] != nil { _ = ccurl_unpause(transfer.handle) }
        }
    }

    private func remove(_ easy: UnsafeMutableRawPointer) -> CurlTransfer? {
        guard let transfer = active.removeValue(forKey: UInt(bitPattern: easy)) else { return nil }
        transfer.countConnections()
        curl_multi_remove_handle(multi, easy)
        // Detached here, on the driver thread: the handle may be cleaned up on any thread.
        _ = ccurl_setopt_pointer(easy, CURLOPT_SHARE, nil)
        lock.withLock { activeCount -= 1 }
        return transfer
    }
}

/// The events of one transfer; reading body bytes releases backpressure.
package struct TransferStream: AsyncSequence, Sendable {
    package typealias Element = TransportEvent
    let base: AsyncThrowingStream<TransportEvent, any Error>
    let transfer: CurlTransfer?
    let transport: CurlTransport

    package struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<TransportEvent, any Error>.AsyncIterator
        let transfer: CurlTransfer?
        let transport: CurlTransport

        package mutating func next() async throws -> TransportEvent? {
            let event = try await base.next()
            if case .body(let bytes) = event, let transfer, transfer.consumed(bytes.count) {
                transport.resume(transfer)
            }
            return event
        }

        /// Stops the transfer if it still runs (its reader may be suspended or gone); its
        /// stream then ends with `CancellationError`. Idempotent: releasing the last
        /// iterator of a stream cancels it too (`onTermination`); this says so where the
        /// call is made.
        package func cancel() {
            if let transfer { transport.cancel(transfer) }
        }
    }

    package func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), transfer: transfer, transport: transport)
    }
}

/// A counter behind a lock.
package final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    package init() {}

    package func withLock<T>(_ body: (inout Int) -> T) -> T {
        lock.withLock { body(&value) }
    }

    package var current: Int { withLock { $0 } }
}
