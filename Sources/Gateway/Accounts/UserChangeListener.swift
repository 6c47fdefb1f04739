import CLibPQ
import Foundation
import Logging
import NIOConcurrencyHelpers

/// Keeps a `UserCache` honest: a dedicated libpq connection, on its own thread, LISTENs
/// on `gateway_user_changes` (sent by the `users` trigger of migration 0005) and drops
/// each changed user from the cache. The cache serves only while this connection is up;
/// when it breaks, caching stops and the listener reconnects with backoff.
final class UserChangeListener: Sendable {
    static let channel = "gateway_user_changes"
    private let conninfo: String
    private let cache: UserCache
    private let logger: Logger
    /// Guards the stop flag and the wake pipe's life (the thread closes it when it ends;
    /// `stop()` closes it when the thread never started).
    private let stopped = NIOLockedValueBox(false)
    private let started = NIOLockedValueBox(false)
    private let sessionCount = NIOLockedValueBox(0)
    /// Written to by `stop()` so the thread's poll returns at once.
    private let wake: (read: Int32, write: Int32)

    init(conninfo: String, cache: UserCache, logger: Logger) {
        self.conninfo = conninfo
        self.cache = cache
        self.logger = logger
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) != 0 { fds = [-1, -1] }
        self.wake = (fds[0], fds[1])
    }

    /// Starts the listening thread.
    func start() {
        let go = stopped.withLockedValue { stopped -> Bool in
            guard stopped == false else { return false }
            started.withLockedValue { $0 = true }
            return true
        }
        guard go else { return }
        let thread = Thread { [self] in run() }
        thread.name = "gateway-user-listener"
        thread.start()
    }

    /// Stops the thread soon (it closes its connection); the cache stops serving now.
    /// Only the first call acts. The wake byte is written under the same lock the thread
    /// takes to close the pipe, so it never lands on a closed (or reused) descriptor.
    func stop() {
        let first = stopped.withLockedValue { stopped -> Bool in
            guard stopped == false else { return false }
            stopped = true
            if started.withLockedValue({ $0 }) {
                var byte: UInt8 = 1
                _ = write(wake.write, &byte, 1)
            } else {
                close(wake.read)
                close(wake.write)
            }
            return true
        }
        if first { cache.setServing(false) }
    }

    private var isStopped: Bool { stopped.withLockedValue { $0 } }

    /// How many times a LISTEN session was established (reconnects included).
    var sessions: Int { sessionCount.withLockedValue { $0 } }

    private func run() {
        var backoff = 0.25
        while isStopped == false {
            if let connection = connect() {
                backoff = 0.25
                sessionCount.withLockedValue { $0 += 1 }
                cache.setServing(true)
                listen(on: connection)
                cache.setServing(false)
                PQfinish(connection)
            }
            if isStopped == false {
                waitForWake(seconds: backoff)
                backoff = min(backoff * 2, 30)
            }
        }
        stopped.withLockedValue { _ in
            close(wake.read)
            close(wake.write)
        }
    }

    /// A connection that is LISTENing, or nil (logged).
    private func connect() -> OpaquePointer? {
        guard let connection = PQconnectdb(conninfo) else { return nil }
        if PQstatus(connection) == CONNECTION_OK {
            let result = PQexec(connection, "LISTEN \(Self.channel)")
            defer { PQclear(result) }
            if PQresultStatus(result) == PGRES_COMMAND_OK { return connection }
        }
        let message = String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
        logger.warning("user cache listener cannot connect; caching paused", metadata: ["error": .string(message)])
        PQfinish(connection)
        return nil
    }

    /// Handles notifications until the connection breaks or `stop()` is called.
    private func listen(on connection: OpaquePointer) {
        let socket = PQsocket(connection)
        while isStopped == false {
            var fds = [
                pollfd(fd: socket, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, 2, 5_000)
            if ready < 0, errno == EINTR { continue }
            if ready < 0 || fds[1].revents != 0 { return }
            if ready == 0 {
                // Quiet: make sure the server is still there (a dead peer would otherwise
                // go unnoticed and notifications would be missed).
                let result = PQexec(connection, "SELECT 1")
                let alive = PQresultStatus(result) == PGRES_TUPLES_OK
                PQclear(result)
                if alive == false { return brokenConnection(connection) }
            }
            guard PQconsumeInput(connection) == 1 else { return brokenConnection(connection) }
            while let notice = PQnotifies(connection) {
                let payload = String(cString: notice.pointee.extra)
                cache.invalidate(id: Int(payload))
                PQfreemem(notice)
            }
        }
    }

    private func brokenConnection(_ connection: OpaquePointer) {
        let message = String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
        logger.warning("user cache listener lost its connection; caching paused", metadata: ["error": .string(message)])
    }

    private func waitForWake(seconds: Double) {
        var fd = pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)
        _ = poll(&fd, 1, Int32(seconds * 1000))
    }
}
