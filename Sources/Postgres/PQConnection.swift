import CLibPQ
import Foundation
import Logging

/// One libpq connection. Every method blocks, so it is only ever used on the pool's
/// own threads, and by one caller at a time (the pool hands it out exclusively).
public final class PQConnection: @unchecked Sendable {
    var handle: OpaquePointer?
    /// Statements prepared on this session, by SQL text: the server parses and plans each
    /// once per connection instead of on every call.
    private var prepared: [String: String] = [:]
    /// Beyond this many distinct statements, new ones run unprepared (a guard; the
    /// gateway's SQL is a fixed set far below it).
    package static let maxPrepared = 256
    private let conninfo: String
    private let notices: NoticeSink

    /// How the server connection behind this one is held (see `PoolMode`).
    package let mode: PoolMode
    /// `statement_timeout` in milliseconds (nil: the server's own).
    package let statementTimeout: Int?

    package init(conninfo: String, logger: Logger, statementTimeout: Int? = nil, mode: PoolMode = .session) {
        self.conninfo = conninfo
        self.notices = NoticeSink(logger: logger)
        self.statementTimeout = statementTimeout
        self.mode = mode
    }

    deinit { close() }

    /// Opens the connection if it is closed or found broken. A dead socket (for example
    /// after a server restart) is noticed here, without sending anything, and replaced.
    package func ensureConnected() throws {
        if let handle {
            if PQstatus(handle) == CONNECTION_OK, Self.socketLooksAlive(handle) { return }
            notices.logger.warning("database connection broken; reconnecting")
            close()
        }
        guard let fresh = PQconnectdb(conninfo) else {
            throw DatabaseError.unavailable("out of memory")
        }
        guard PQstatus(fresh) == CONNECTION_OK else {
            let message = Self.errorMessage(fresh)
            PQfinish(fresh)
            DatabaseError.unavailable(message).count()
            throw DatabaseError.unavailable(message)
        }
        PQsetNoticeProcessor(
            fresh,
            { context, message in
                guard let context, let message else { return }
                let sink = Unmanaged<NoticeSink>.fromOpaque(context).takeUnretainedValue()
                sink.logger.notice(
                    "postgres notice",
                    metadata: ["pg_message": .string(String(cString: message).trimmingCharacters(in: .newlines))])
            }, Unmanaged.passUnretained(notices).toOpaque())
        handle = fresh
        // A transaction-mode pooler tracks the time zone (a reported parameter) and restores it
        // on whichever server connection serves the next transaction; the statement timeout it
        // does not track, so that mode sets it per transaction instead (`begin`, `execute`).
        try executeScript("SET TIME ZONE 'UTC'")
        if mode == .session, let statementTimeout { try executeScript("SET statement_timeout = \(statementTimeout)") }
    }

    /// Opens a transaction. Under transaction pooling the statement timeout is set for this
    /// transaction only, in the same round trip.
    package func begin(statementTimeout override: Int? = nil) throws {
        let timeout = override ?? (mode == .transaction ? statementTimeout : nil)
        try executeScript(timeout.map { "BEGIN; SET LOCAL statement_timeout = \($0)" } ?? "BEGIN")
    }

    /// An idle connection has nothing to read. When its socket is readable or hung up
    /// (the server closed it, e.g. after a restart: a termination notice then EOF), it is
    /// treated as dead; libpq alone only notices on the next query.
    /// Linux's POLLRDHUP (not exported to Swift): the peer closed its side.
    private static let pollReadHangUp: Int16 = 0x2000

    private static func socketLooksAlive(_ handle: OpaquePointer) -> Bool {
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN) | Self.pollReadHangUp, revents: 0)
        let ready = poll(&descriptor, 1, 0)
        if ready == 0 { return true }
        if ready < 0 || descriptor.revents & (Self.pollReadHangUp | Int16(POLLHUP | POLLERR | POLLNVAL)) != 0 { return false }
        // Readable but not hung up: a notice or notification; consume it and look again.
        return PQconsumeInput(handle) == 1 && PQstatus(handle) == CONNECTION_OK && poll(&descriptor, 1, 0) == 0
    }

    /// The connection's socket, to wait on it (LISTEN); -1 while closed.
    package var socket: Int32 { handle.map { PQsocket($0) } ?? -1 }

    /// Reads what the server has sent and returns the NOTIFY payloads received so far.
    /// Throws `connectionLost` (and closes) when the connection is broken.
    package func notifications() throws -> [String] {
        guard let handle else { throw DatabaseError.connectionLost("not connected") }
        guard PQconsumeInput(handle) == 1 else {
            let message = Self.errorMessage(handle)
            close()
            throw DatabaseError.connectionLost(message)
        }
        var payloads: [String] = []
        while let notice = PQnotifies(handle) {
            payloads.append(String(cString: notice.pointee.extra))
            PQfreemem(notice)
        }
        return payloads
    }

    /// Closes the connection; the next use reconnects.
    package func close() {
        if let handle { PQfinish(handle) }
        handle = nil
        prepared = [:]
    }

    /// True while a connection is open (it may still turn out broken).
    package var isOpen: Bool { handle != nil }

    /// True while the connection is open and outside a transaction.
    package var isIdle: Bool {
        guard let handle else { return false }
        return PQtransactionStatus(handle) == PQTRANS_IDLE
    }

    /// Runs one parameterized statement (text format), prepared on first use on this
    /// connection. Parameters always travel separately from the SQL text.
    public func execute(_ sql: String, _ parameters: [String?]) throws -> QueryResult {
        try execute(sql, parameters, replanned: false)
    }

    private func execute(_ sql: String, _ parameters: [String?], replanned: Bool) throws -> QueryResult {
        guard let handle else { throw DatabaseError.connectionLost("not connected") }
        // libpq takes C strings: a NUL would silently cut the value. Refuse it instead.
        if parameters.contains(where: { $0?.utf8.contains(0) == true }) { throw DatabaseError.nulCharacter }
        let owned: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.flatMap { strdup($0) } }
        defer { owned.forEach { free($0) } }
        let values: [UnsafePointer<CChar>?] = owned.map { $0.map { UnsafePointer($0) } }
        if mode == .transaction {
            // No named statements: the next call may reach another server connection.
            if let statementTimeout, isIdle { return try executeAlone(sql, values, timeout: statementTimeout, handle: handle) }
            return try consume(PQexecParams(handle, sql, Int32(values.count), nil, values, nil, nil, 0), handle: handle)
        }
        do {
            guard let name = try statementName(sql, parameterCount: values.count, handle: handle) else {
                return try consume(PQexecParams(handle, sql, Int32(values.count), nil, values, nil, nil, 0), handle: handle)
            }
            return try consume(PQexecPrepared(handle, name, Int32(values.count), values, nil, nil, 0), handle: handle)
        } catch DatabaseError.query(let sqlstate, _) where sqlstate == "0A000" && isIdle && replanned == false {
            // "cached plan must not change result type": the schema changed under a
            // prepared statement (a migration ran meanwhile). Forget the plans, run again.
            deallocateAll(handle)
            return try execute(sql, parameters, replanned: true)
        } catch DatabaseError.query(let sqlstate, _) where sqlstate == "26000" || sqlstate == "42P05" {
            // A statement prepared on this session is gone, or one not prepared here exists:
            // another client's transactions share the server session (a transaction-mode pooler).
            notices.logger.error(
                "prepared statements do not survive between transactions: DATABASE_URL seems to reach a transaction-mode pooler; set DB_POOL_MODE=transaction"
            )
            close()
            throw DatabaseError.query(sqlstate: sqlstate, message: "prepared statement lost (transaction-mode pooler?)")
        }
    }

    /// The prepared statement's name for `sql`, preparing it now when new; nil when the
    /// statement is not worth preparing (no parameters, or the cache is full).
    private func statementName(_ sql: String, parameterCount: Int, handle: OpaquePointer) throws -> String? {
        if let name = prepared[sql] { return name }
        guard parameterCount > 0, prepared.count < Self.maxPrepared else { return nil }
        let name = "gw\(prepared.count)"
        _ = try consume(PQprepare(handle, name, sql, Int32(parameterCount), nil), handle: handle)
        prepared[sql] = name
        return name
    }

    private func deallocateAll(_ handle: OpaquePointer) {
        prepared = [:]
        PQclear(PQexec(handle, "DEALLOCATE ALL"))
    }

    /// Runs a script of several statements with `PQexec`. Only the migrator uses this,
    /// for the SQL files shipped in `migrations/`; it never sees request data.
    package func executeScript(_ sql: String) throws {
        guard let handle else { throw DatabaseError.connectionLost("not connected") }
        _ = try consume(PQexec(handle, sql), handle: handle)
    }

    func consume(_ result: OpaquePointer?, handle: OpaquePointer) throws -> QueryResult {
        guard let result else {
            close()
            throw DatabaseError.connectionLost(Self.errorMessage(handle))
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK || status == PGRES_EMPTY_QUERY else {
            let sqlstate = Self.field(result, "C")
            let message = Self.field(result, "M") ?? Self.errorMessage(handle)
            let error = DatabaseError.from(
                sqlstate: sqlstate, message: message, constraint: Self.field(result, "n"))
            if PQstatus(handle) != CONNECTION_OK {
                close()
                DatabaseError.connectionLost(message).count()
                throw DatabaseError.connectionLost(message)
            }
            error.count()
            throw error
        }
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var cells: [String?] = []
        cells.reserveCapacity(rowCount * columnCount)
        for row in 0..<Int32(rowCount) {
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) == 1 {
                    cells.append(nil)
                } else {
                    cells.append(String(cString: PQgetvalue(result, row, column)))
                }
            }
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return QueryResult(columns: columns, cells: cells, rowsAffected: affected)
    }

    private static func field(_ result: OpaquePointer, _ code: Unicode.Scalar) -> String? {
        guard let value = PQresultErrorField(result, Int32(code.value)) else { return nil }
        return String(cString: value)
    }

    static func errorMessage(_ handle: OpaquePointer) -> String {
        guard let message = PQerrorMessage(handle) else { return "unknown error" }
        return String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Receives libpq notices and forwards them to the log instead of stderr.
package final class NoticeSink: @unchecked Sendable {
    package let logger: Logger
    package init(logger: Logger) { self.logger = logger }
}
