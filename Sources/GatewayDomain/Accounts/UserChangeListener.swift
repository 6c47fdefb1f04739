import Foundation
import GatewayCore
import Logging
import NIOConcurrencyHelpers
import Postgres

/// Keeps the user and API key caches honest: a dedicated connection, on its own thread,
/// LISTENs on `gateway_user_changes` (sent by the triggers of migrations 0005–0007 on
/// `users` and `api_keys`) and drops each changed entry. The caches serve only while this
/// connection is up; when it breaks, caching stops and the listener reconnects with backoff.
package final class UserChangeListener: Sendable {
    package static let channel = "gateway_user_changes"

    private enum Phase {
        case idle, running, stopped
    }

    private let conninfo: String
    private let caches: AuthCaches
    private let logger: Logger
    /// Also guards the wake pipe's life: the thread closes it when it ends, `stop()` when
    /// the thread never ran.
    private let phase = NIOLockedValueBox(Phase.idle)
    private let sessionCount = NIOLockedValueBox(0)
    /// Written to by `stop()` so the thread's poll returns at once.
    private let wake: (read: Int32, write: Int32)

    package init(conninfo: String, caches: AuthCaches, logger: Logger) {
        self.conninfo = conninfo
        self.caches = caches
        self.logger = logger
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) != 0 { fds = [-1, -1] }
        self.wake = (fds[0], fds[1])
    }

    /// Starts the listening thread (once; never after `stop()`).
    package func start() {
        let go = phase.withLockedValue { phase -> Bool in
            guard phase == .idle else { return false }
            phase = .running
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
    package func stop() {
        let was = phase.withLockedValue { phase -> Phase in
            let was = phase
            switch was {
            case .running:
                var byte: UInt8 = 1
                _ = write(wake.write, &byte, 1)
            case .idle:
                close(wake.read)
                close(wake.write)
            case .stopped:
                break
            }
            phase = .stopped
            return was
        }
        if was != .stopped { caches.setServing(false) }
    }

    private var isStopped: Bool { phase.withLockedValue { $0 == .stopped } }

    /// How many times a LISTEN session was established (reconnects included).
    package var sessions: Int { sessionCount.withLockedValue { $0 } }

    private func run() {
        var backoff = 0.25
        while isStopped == false {
            let connection = PQConnection(conninfo: conninfo, logger: logger)
            do {
                try connection.ensureConnected()
                _ = try connection.execute("LISTEN \(Self.channel)", [])
                backoff = 0.25
                sessionCount.withLockedValue { $0 += 1 }
                caches.setServing(true)
                try listen(on: connection)
            } catch {
                logger.warning("user cache listener has no connection; caching paused", metadata: ["error": "\(error)"])
            }
            caches.setServing(false)
            connection.close()
            if isStopped == false {
                waitForWake(seconds: backoff)
                backoff = min(backoff * 2, 30)
            }
        }
        phase.withLockedValue { _ in
            close(wake.read)
            close(wake.write)
        }
    }

    /// Handles notifications until `stop()` is called; throws when the connection breaks.
    private func listen(on connection: PQConnection) throws {
        while isStopped == false {
            var fds = [
                pollfd(fd: connection.socket, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&fds, 2, 5_000)
            if ready < 0, errno == EINTR { continue }
            if ready < 0 || fds[1].revents != 0 { return }
            // Quiet for a while: make sure the server is still there (a dead peer would
            // otherwise go unnoticed and notifications would be missed).
            if ready == 0 { _ = try connection.execute("SELECT 1", []) }
            for payload in try connection.notifications() { caches.apply(payload) }
        }
    }

    private func waitForWake(seconds: Double) {
        var fd = pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)
        _ = poll(&fd, 1, Int32(seconds * 1000))
    }
}
