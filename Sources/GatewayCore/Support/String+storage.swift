/// What makes text storable in PostgreSQL: no NUL, and lengths counted as `varchar(n)`
/// counts them (code points).
extension String {
    /// PostgreSQL text cannot hold NUL; a bot's output is kept with U+FFFD in its place.
    package var replacingNUL: String {
        utf8.contains(0) ? String(unicodeScalars.map { $0 == "\u{0}" ? "\u{FFFD}" : Character($0) }) : self
    }
}

extension StringProtocol {
    /// Its length as PostgreSQL's `varchar(n)` (and Python's `len`) count it: in code
    /// points. A grapheme (`count`) can hold many, so limits are checked in these.
    package var codePointCount: Int { unicodeScalars.count }

    /// At most `limit` code points from the start: what fits a `varchar(limit)` column.
    package func prefix(codePoints limit: Int) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: unicodeScalars.prefix(limit))
        return String(scalars)
    }
}
