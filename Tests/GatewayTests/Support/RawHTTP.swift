import Foundation

/// A bare TCP client for what an HTTP client library hides: reading part of a response
/// and then hanging up.
struct RawHTTP {
    let fd: Int32

    /// Connects to `localhost:port` the way the test server was bound (IPv6 or IPv4).
    init(port: Int) throws {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo("localhost", String(port), &hints, &list) == 0 else { throw TestFailure("no address") }
        defer { freeaddrinfo(list) }
        var candidate = list
        while let info = candidate {
            // Close-on-exec: a child another test spawns must not keep this connection open after hangUp().
            let socketFD = socket(
                info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.pointee.ai_protocol)
            if socketFD >= 0, connect(socketFD, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                fd = socketFD
                return
            }
            if socketFD >= 0 { close(socketFD) }
            candidate = info.pointee.ai_next
        }
        throw TestFailure("connect failed")
    }

    func send(_ text: String) {
        _ = text.withCString { write(fd, $0, strlen($0)) }
    }

    /// Reads until `marker` has been seen (or 20 s passed), on a thread of its own (a
    /// blocking read must not hold one of the cooperative pool's threads).
    func read(until marker: String) async -> String {
        await readTimed(until: marker).text
    }

    /// `read(until:)`, and when the read ended, taken on the reading thread: a test timing
    /// the server is not misled by how long a busy cooperative pool takes to resume it.
    /// `closedByServer`: the read ended because the server closed the connection (not on
    /// the marker, nor on this client's own timeout).
    func readTimed(until marker: String, timeout seconds: Int = 20) async -> (
        text: String, ended: ContinuousClock.Instant, closedByServer: Bool
    ) {
        await withCheckedContinuation { continuation in
            Thread {
                let (text, closed) = readBlocking(until: marker, timeout: seconds)
                continuation.resume(returning: (text, ContinuousClock.now, closed))
            }.start()
        }
    }

    private func readBlocking(until marker: String, timeout seconds: Int) -> (String, Bool) {
        var received = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        while received.contains(marker) == false {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { return (received, true) }
            if count < 0 { return (received, errno == ECONNRESET) }
            received += String(decoding: buffer[0..<count], as: UTF8.self)
        }
        return (received, false)
    }

    func hangUp() { close(fd) }

    /// Waits, on one thread, until every connection has bytes to read (nothing is
    /// consumed); false when `timeout` passes first.
    static func allReadable(_ connections: [RawHTTP], timeout: Duration) async -> Bool {
        await withCheckedContinuation { continuation in
            Thread {
                var pending = connections.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
                let deadline = ContinuousClock.now + timeout
                while pending.isEmpty == false, ContinuousClock.now < deadline {
                    _ = poll(&pending, nfds_t(pending.count), 50)
                    pending = pending.filter { $0.revents == 0 }.map { pollfd(fd: $0.fd, events: $0.events, revents: 0) }
                }
                continuation.resume(returning: pending.isEmpty)
            }.start()
        }
    }

    /// One request on a connection of its own (so requests really run in parallel, unlike
    /// the test client's single connection); returns the status code and the whole response.
    static func request(
        port: Int, _ method: String, _ path: String, json: String? = nil, headers: [String: String] = [:]
    ) async throws -> (status: Int, text: String) {
        let connection = try RawHTTP(port: port)
        defer { connection.hangUp() }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let json { head += "Content-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n" }
        connection.send(head + "\r\n" + (json ?? ""))
        let text = await connection.read(until: "\u{0}never\u{0}")
        let status = text.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? 0
        return (status, text)
    }
}
