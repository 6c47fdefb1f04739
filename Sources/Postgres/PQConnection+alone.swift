import CLibPQ

extension PQConnection {
    /// The statement that sets the timeout for the current transaction only.
    private static let localTimeout = "SELECT set_config('statement_timeout', $1, true)"

    /// Transaction pooling: runs one statement outside a transaction with the statement
    /// timeout set for its own implicit transaction (`set_config(…, true)`), both sent in
    /// one pipeline ending in one Sync — one round trip, and no setting outlives the
    /// statement on whichever server connection the pooler lent.
    func executeAlone(
        _ sql: String, _ values: [UnsafePointer<CChar>?], timeout: Int, handle: OpaquePointer
    ) throws -> QueryResult {
        var results: [OpaquePointer] = []
        var sent = false
        if PQenterPipelineMode(handle) == 1 {
            sent =
                String(timeout).withCString { milliseconds in
                    var parameters: [UnsafePointer<CChar>?] = [milliseconds]
                    return PQsendQueryParams(handle, Self.localTimeout, 1, nil, &parameters, nil, nil, 0)
                } == 1
                && PQsendQueryParams(handle, sql, Int32(values.count), nil, values, nil, nil, 0) == 1
                && PQpipelineSync(handle) == 1
            // Expected: the setting's result, NULL, the statement's result, NULL, the Sync.
            var ends = 0
            while sent, ends <= 2 {
                guard let result = PQgetResult(handle) else {
                    ends += 1
                    if PQstatus(handle) != CONNECTION_OK { break }
                    continue
                }
                if PQresultStatus(result) == PGRES_PIPELINE_SYNC {
                    PQclear(result)
                    break
                }
                results.append(result)
            }
            _ = PQexitPipelineMode(handle)
        }
        guard sent, results.count == 2, PQpipelineStatus(handle) == PQ_PIPELINE_OFF else {
            let message = Self.errorMessage(handle)
            results.forEach { PQclear($0) }
            close()
            DatabaseError.connectionLost(message).count()
            throw DatabaseError.connectionLost(message)
        }
        // A failed setting (the statement then reports "aborted") is the error to report.
        if PQresultStatus(results[0]) != PGRES_TUPLES_OK {
            PQclear(results[1])
            return try consume(results[0], handle: handle)
        }
        PQclear(results[0])
        return try consume(results[1], handle: handle)
    }
}
