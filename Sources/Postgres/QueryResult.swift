/// The rows of one statement, decoded from libpq's text format.
public struct QueryResult: Sendable {
    /// Column names in order.
    public let columns: [String]
    /// Row-major cell values; nil is SQL NULL.
    package let cells: [String?]
    /// Rows affected by an INSERT/UPDATE/DELETE (0 for other statements).
    public let rowsAffected: Int

    package init(columns: [String], cells: [String?], rowsAffected: Int) {
        self.columns = columns
        self.cells = cells
        self.rowsAffected = rowsAffected
    }

    /// Number of rows returned.
    public var count: Int { columns.isEmpty ? 0 : cells.count / columns.count }

    /// The rows, each giving typed access to its columns.
    public var rows: [Row] {
        (0..<count).map { Row(result: self, index: $0) }
    }

    /// The first row, if any.
    public var first: Row? { count > 0 ? Row(result: self, index: 0) : nil }
}

/// One row of a `QueryResult`.
public struct Row: Sendable {
    package let result: QueryResult
    package let index: Int

    /// The raw text of a column, nil for SQL NULL.
    public func text(_ column: String) throws -> String? {
        guard let position = result.columns.firstIndex(of: column) else {
            throw DatabaseError.decoding("no column \(column)")
        }
        return result.cells[index * result.columns.count + position]
    }

    /// Decodes a non-NULL column.
    public func decode<T: SQLDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        guard let text = try text(column) else {
            throw DatabaseError.decoding("\(column) is NULL")
        }
        guard let value = T(postgresText: text) else {
            throw DatabaseError.decoding("\(column) is not a \(T.self)")
        }
        return value
    }

    /// Decodes a nullable column.
    public func decodeIfPresent<T: SQLDecodable>(_ column: String, as type: T.Type = T.self) throws -> T? {
        guard let text = try text(column) else { return nil }
        guard let value = T(postgresText: text) else {
            throw DatabaseError.decoding("\(column) is not a \(T.self)")
        }
        return value
    }
}
