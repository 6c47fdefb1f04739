import CCurl
import Foundation

/// One libcurl easy handle and the async stream its bytes flow into. The callbacks run
/// on the transport's driver thread; the consumer reads the stream from any task.
///
/// What one pass of the driver received is handed on at once, as it ends (`flush`): one
/// `head`, the bytes in one `body`, and the end, so a reader is woken once per pass, not
/// once per callback (a small answer arrives in one pass, and wakes its reader once).
///
/// Backpressure: bytes received and not yet read by the consumer are counted; above
/// `highWater` the write callback pauses the transfer (`CURL_WRITEFUNC_PAUSE`), and the
/// consumer asks the driver to resume it once it has caught up below `lowWater`.
final class CurlTransfer: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    let continuation: AsyncThrowingStream<TransportEvent, any Error>.Continuation
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let maxResponseBytes: Int
    private let deadline: ContinuousClock.Instant
    /// Longest silence allowed between received bytes (checked by the driver).
    let idleTimeout: Duration
    /// Driver-thread only: when the last byte (or the start) was seen.
    var lastActivity = ContinuousClock.now
    static let highWater = 256 * 1024
    static let lowWater = 64 * 1024

    // Driver-thread state.
    private var status = 0
    private var retryAfter: Int?
    private var headSent = false
    /// Driver-thread only: the head and bytes of this pass, handed on by `flush`.
    private var headHeld = false
    private var held: [UInt8] = []
    /// Driver-thread only: listed in the transport's transfers to flush this pass.
    var dirty = false
    private unowned let transport: CurlTransport
    private var received = 0
    var tooLarge = false
    var finished = false
    let connections: LockedCounter?

    /// Adds the connections this transfer opened to its bot's count; called once, as the
    /// transfer leaves the multi handle.
    func countConnections() {
        var opened = 0
        guard let connections, ccurl_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &opened) == CURLE_OK, opened > 0 else { return }
        connections.withLock { $0 += opened }
    }

    // Shared with the consumer.
    private let lock = NSLock()
    private var outstanding = 0
    private var paused = false

    init?(
        _ request: TransportRequest, continuation: AsyncThrowingStream<TransportEvent, any Error>.Continuation,
        transport: CurlTransport
    ) {
        guard let handle = curl_easy_init() else { return nil }
        self.transport = transport
        self.handle = handle
        self.continuation = continuation
        self.maxResponseBytes = request.maxResponseBytes
        self.deadline = request.deadline
        self.idleTimeout = request.idleTimeout
        self.connections = request.connections
        configure(request)
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
    }

    private func configure(_ request: TransportRequest) {
        _ = ccurl_setopt_string(handle, CURLOPT_URL, request.url)
        _ = ccurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        // HTTP/2 over TLS only: Debian 12's libcurl (7.88) fails the second request on a reused
        // cleartext (prior-knowledge) HTTP/2 connection.
        _ = ccurl_setopt_long(handle, CURLOPT_HTTP_VERSION, ccurl_http_version_2tls())
        // A call starting while another opens a TLS connection waits to share it (HTTP/2).
        _ = ccurl_setopt_long(handle, CURLOPT_PIPEWAIT, 1)
        _ = ccurl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, "")
        _ = ccurl_setopt_long(handle, CURLOPT_TCP_NODELAY, 1)
        // libcurl's smallest upload buffer (its default is 64 KB per transfer, allocated for
        // the request body however small): 10,000 held streams 657 → 618 MB resident.
        _ = ccurl_setopt_long(handle, CURLOPT_UPLOAD_BUFFERSIZE, 16384)
        _ = ccurl_setopt_cloexec_sockets(handle)
        let remaining = max(request.deadline - .now, .milliseconds(1))
        _ = ccurl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Self.milliseconds(remaining))
        _ = ccurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(min(request.connectTimeout, remaining)))
        if let caFile = request.caFile { _ = ccurl_setopt_string(handle, CURLOPT_CAINFO, caFile) }
        for header in request.headers { headerList = curl_slist_append(headerList, header) }
        headerList = curl_slist_append(headerList, "Expect:")
        _ = ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)
        if request.method == "POST" {
            _ = ccurl_setopt_long(handle, CURLOPT_POST, 1)
            _ = ccurl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
            request.body.withUnsafeBufferPointer { buffer in
                // COPYPOSTFIELDS copies the bytes; an empty body needs a valid pointer.
                if let base = buffer.baseAddress, buffer.count > 0 {
                    _ = ccurl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base))
                } else {
                    _ = ccurl_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, "")
                }
            }
        } else {
            _ = ccurl_setopt_long(handle, CURLOPT_HTTPGET, 1)
        }
        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        _ = ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
        _ = ccurl_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            guard let data, let context else { return 0 }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
            return transfer.write(UnsafeRawBufferPointer(start: data, count: size * count))
        }
        _ = ccurl_setopt_header_callback(handle, CURLOPT_HEADERFUNCTION) { data, size, count, context in
            guard let data, let context else { return 0 }
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
            transfer.header(UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        }
    }

    static func milliseconds(_ duration: Duration) -> Int {
        Int(duration / .milliseconds(1))
    }

    // MARK: driver thread

    /// One header line. Only the status line and `Retry-After` are read; other lines cost
    /// a prefix comparison and no allocation.
    private func header(_ bytes: UnsafeRawBufferPointer) {
        if Self.hasPrefix(bytes, "http/") {
            // A new response (after 100 Continue or a redirect) starts a new header block.
            lastActivity = .now
            status = Int(Self.trimmed(bytes).split(separator: " ").dropFirst().first ?? "") ?? 0
            retryAfter = nil
        } else if Self.hasPrefix(bytes, "retry-after:") {
            retryAfter = Int(Self.trimmed(bytes.dropFirst(12)))
        } else if bytes.allSatisfy({ $0 == 0x0D || $0 == 0x0A }), status >= 200 {
            sendHead()
        }
    }

    /// Whether `bytes` start with the lowercase ASCII `prefix`, ignoring case.
    static func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ prefix: StaticString) -> Bool {
        guard bytes.count >= prefix.utf8CodeUnitCount else { return false }
        return prefix.withUTF8Buffer { expected in
            for index in 0..<expected.count {
                let byte = bytes[index]
                if (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) != expected[index] { return false }
            }
            return true
        }
    }

    /// A header line's text without surrounding spaces, tabs, CR or LF.
    static func trimmed(_ bytes: some BidirectionalCollection<UInt8>) -> String {
        let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
        guard let first = bytes.firstIndex(where: { blank($0) == false }),
            let last = bytes.lastIndex(where: { blank($0) == false })
        else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }

    private func sendHead() {
        guard headSent == false else { return }
        headSent = true
        headHeld = true
        markDirty()
    }

    private func markDirty() {
        guard dirty == false else { return }
        dirty = true
        transport.dirty.append(self)
    }

    /// Hands on what this pass received: the head, then its bytes as one `body`.
    func flush() {
        dirty = false
        if headHeld {
            headHeld = false
            continuation.yield(.head(status: status, retryAfter: retryAfter))
        }
        if held.isEmpty == false {
            continuation.yield(.body(held))
            held = []
        }
    }

    private func write(_ bytes: UnsafeRawBufferPointer) -> Int {
        lastActivity = .now
        sendHead()
        let shouldPause = lock.withLock {
            if outstanding >= Self.highWater {
                paused = true
                return true
            }
            outstanding += bytes.count
            return false
        }
        if shouldPause { return ccurl_writefunc_pause() }
        received += bytes.count
        if received > maxResponseBytes {
            tooLarge = true
            return 0
        }
        held.append(contentsOf: bytes)
        markDirty()
        return bytes.count
    }

    /// True when no byte arrived for the idle timeout while the reader kept up.
    func isIdle(now: ContinuousClock.Instant) -> Bool {
        now - lastActivity > idleTimeout && lock.withLock { paused } == false
    }

    /// Called by the driver when libcurl reports the transfer done.
    func complete(_ code: CURLcode) {
        finished = true
        guard code == CURLE_OK else {
            flush()
            let overdue = ContinuousClock.now >= deadline - .milliseconds(20)
            continuation.finish(throwing: Self.error(code, tooLarge: tooLarge, overdue: overdue))
            return
        }
        sendHead()
        flush()
        continuation.finish()
    }

    static func error(_ code: CURLcode, tooLarge: Bool, overdue: Bool) -> TransportError {
        if tooLarge { return .tooLarge }
        let message = String(cString: curl_easy_strerror(code))
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_SSL_CONNECT_ERROR,
            CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE:
            return .connect(message)
        case CURLE_OPERATION_TIMEDOUT:
            return overdue ? .timeout : .connect("connect timeout")
        default:
            return .failed(message)
        }
    }

    // MARK: consumer

    /// Records that the consumer read `count` bytes; true when the driver should resume.
    func consumed(_ count: Int) -> Bool {
        lock.withLock {
            outstanding -= count
            if paused && outstanding <= Self.lowWater {
                paused = false
                return true
            }
            return false
        }
    }
}
