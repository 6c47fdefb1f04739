import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOPosix

/// A bounded pool of libpq connections whose blocking calls run on the pool's own
/// threads (one per connection), never on Swift's cooperative pool or an event loop.
///
/// Connections open lazily, are checked before each use and replaced when broken, so
/// the pool recovers by itself after a server restart. When every connection is busy
/// a caller waits at most `acquireTimeout`, then gets `DatabaseError.poolTimeout`.
public final class PostgresPool: Sendable {
    private struct Waiter {
        package let id: Int
        package let continuation: CheckedContinuation<PQConnection, any Error>
        package let timer: Task<Void, Never>
    }

    private struct State {
        package var idle: [PQConnection]
        package var waiters: [Waiter] = []
        package var nextWaiterID = 0
        package var closed = false
        package var inUse = 0
        package var acquisitions = 0
        package var foregroundAcquisitions = 0
    }

    private let state: NIOLockedValueBox<State>
    private let threads: NIOThreadPool
    private let acquireTimeout: Duration
    /// Maximum number of connections.
    public let size: Int
    package let logger: Logger
    /// `gateway_db_pool_wait_seconds`: time from asking for a connection to getting one.
    private let waitTimer = Timer(label: "gateway_db_pool_wait_seconds")

    /// Creates a pool; no connection is opened until first use.
    /// - Parameters:
    ///   - conninfo: a libpq connection string or `postgresql://` URL, passed on untouched.
    ///   - size: maximum number of connections (and threads).
    ///   - acquireTimeout: how long a caller waits for a free connection.
    ///   - statementTimeout: `statement_timeout` of every statement (nil: the server's).
    ///   - mode: whether `conninfo` reaches a transaction-mode pooler (see `PoolMode`).
    public init(
        conninfo: String, size: Int, acquireTimeout: Duration, statementTimeout: Duration? = nil, mode: PoolMode = .session,
        logger: Logger
    ) {
        self.size = size
        self.acquireTimeout = acquireTimeout
        self.logger = logger
        let milliseconds = statementTimeout.map { max(1, Int($0 / .milliseconds(1))) }
        let connections = (0..<size).map { _ in
            PQConnection(conninfo: conninfo, logger: logger, statementTimeout: milliseconds, mode: mode)
        }
        self.state = NIOLockedValueBox(State(idle: connections))
        self.threads = NIOThreadPool(numberOfThreads: size)
        self.threads.start()
    }

    /// Connections currently lent out and idle, for metrics.
    public var usage: (inUse: Int, idle: Int, waiting: Int) {
        state.withLockedValue { ($0.inUse, $0.idle.count, $0.waiters.count) }
    }

    /// Connections handed out so far: how many times anything used the database.
    public var acquisitions: Int { state.withLockedValue { $0.acquisitions } }

    /// Those not made by background work (`isBackground`): what requests cost.
    public var foregroundAcquisitions: Int { state.withLockedValue { $0.foregroundAcquisitions } }

    /// Set by batch writers and periodic jobs around their writes.
    @TaskLocal public static var isBackground = false

    /// Runs `body` with exclusive use of one connection, on a pool thread.
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (PQConnection) throws -> T
    ) async throws -> T {
        let connection = try await acquire()
        if connection.isOpen == false { try await connect(connection) }
        defer { release(connection) }
        return try await threads.runIfActive {
            try connection.ensureConnected()
            return try body(connection)
        }
    }

    /// Opens a closed `connection` on a pool thread, but answers the caller within
    /// `acquireTimeout`: a server that accepts connections and never replies gives
    /// `poolTimeout` in time. When the caller gave up, the thread (bounded by libpq's
    /// `connect_timeout`) releases the connection itself, as it does when connecting failed;
    /// only a caller that received a success keeps it.
    private func connect(_ connection: PQConnection) async throws {
        let answer = ResumeOnce<Void>()
        let timeout = acquireTimeout
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            answer.set(continuation)
            let timer = Task {
                try? await Task.sleep(for: timeout)
                guard Task.isCancelled == false else { return }
                if answer.resume(with: .failure(DatabaseError.poolTimeout)) { DatabaseError.poolTimeout.count() }
            }
            threads.submit { state in
                let result: Result<Void, any Error> =
                    state == .active ? Result { try connection.ensureConnected() } : .failure(DatabaseError.poolClosed)
                timer.cancel()
                // The caller keeps the connection only when it received a success.
                let delivered = answer.resume(with: result)
                if delivered == false || (try? result.get()) == nil { self.release(connection) }
            }
        }
    }

    /// Runs one statement.
    public func query(_ sql: SQL) async throws -> QueryResult {
        let (text, parameters) = sql.rendered
        return try await withConnection { try $0.execute(text, parameters) }
    }

    /// Runs `body` inside BEGIN/COMMIT on one connection; any throw rolls back.
    public func withTransaction<T: Sendable>(
        _ body: (Transaction) async throws -> T
    ) async throws -> T {
        let connection = try await acquire()
        if connection.isOpen == false { try await connect(connection) }
        defer { release(connection) }
        let transaction = Transaction(connection: connection, threads: threads)
        try await threads.runIfActive {
            try connection.ensureConnected()
            try connection.begin()
        }
        do {
            let value = try await body(transaction)
            try await threads.runIfActive { _ = try connection.execute("COMMIT", []) }
            return value
        } catch {
            try? await threads.runIfActive {
                if connection.isIdle == false { _ = try connection.execute("ROLLBACK", []) }
            }
            throw error
        }
    }

    /// Fails waiting callers, closes every connection and stops the threads.
    public func shutdown() async {
        let (waiters, idle) = state.withLockedValue { state in
            state.closed = true
            defer {
                state.waiters = []
                state.idle = []
            }
            return (state.waiters, state.idle)
        }
        for waiter in waiters {
            waiter.timer.cancel()
            waiter.continuation.resume(throwing: DatabaseError.poolClosed)
        }
        try? await threads.runIfActive { idle.forEach { $0.close() } }
        try? await threads.shutdownGracefully()
    }

    private func acquire() async throws -> PQConnection {
        try Task.checkCancellation()
        // Fast path: an idle connection, no timer, no continuation.
        let background = Self.isBackground
        let immediate = state.withLockedValue { state -> PQConnection? in
            state.acquisitions += 1
            if background == false { state.foregroundAcquisitions += 1 }
            guard state.closed == false, let connection = state.idle.popLast() else { return nil }
            state.inUse += 1
            return connection
        }
        if let immediate {
            waitTimer.recordNanoseconds(0)
            return immediate
        }
        let started = ContinuousClock.now
        defer { waitTimer.record(duration: ContinuousClock.now - started) }
        let id = state.withLockedValue { state -> Int in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                enum Outcome {
                    case ready(PQConnection)
                    case closed, wait
                }
                let timeout = acquireTimeout
                let timer = Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    if Task.isCancelled == false { self?.failWaiter(id, DatabaseError.poolTimeout) }
                }
                let outcome = state.withLockedValue { state -> Outcome in
                    if state.closed { return .closed }
                    if let connection = state.idle.popLast() {
                        state.inUse += 1
                        return .ready(connection)
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation, timer: timer))
                    return .wait
                }
                switch outcome {
                case .ready(let connection):
                    timer.cancel()
                    continuation.resume(returning: connection)
                case .closed:
                    timer.cancel()
                    continuation.resume(throwing: DatabaseError.poolClosed)
                case .wait:
                    break
                }
            }
        } onCancel: {
            failWaiter(id, CancellationError())
        }
    }

    private func failWaiter(_ id: Int, _ error: any Error) {
        let waiter = state.withLockedValue { state -> Waiter? in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        guard let waiter else { return }
        waiter.timer.cancel()
        if case DatabaseError.poolTimeout = error {
            DatabaseError.poolTimeout.count()
            logger.warning("database pool exhausted", metadata: ["pool_size": "\(size)"])
        }
        waiter.continuation.resume(throwing: error)
    }

    private func release(_ connection: PQConnection) {
        let waiter = state.withLockedValue { state -> Waiter? in
            if state.waiters.isEmpty == false { return state.waiters.removeFirst() }
            state.inUse -= 1
            if state.closed {
                connection.close()
            } else {
                state.idle.append(connection)
            }
            return nil
        }
        if let waiter {
            waiter.timer.cancel()
            waiter.continuation.resume(returning: connection)
        }
    }
}

/// A connection inside `BEGIN`; each statement runs on the pool's threads.
public struct Transaction: Sendable {
    package let connection: PQConnection
    package let threads: NIOThreadPool

    /// Runs one statement inside the transaction.
    public func query(_ sql: SQL) async throws -> QueryResult {
        let (text, parameters) = sql.rendered
        let connection = self.connection
        return try await threads.runIfActive { try connection.execute(text, parameters) }
    }
}
