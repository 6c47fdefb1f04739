/// Adds the timeouts a server process needs to a libpq connection string, unless it
/// already sets them: a database host that drops packets or accepts connections and never
/// answers must not hold a pool thread for minutes.
///
/// - `connect_timeout`: the pool's wait (`DB_POOL_TIMEOUT_SECONDS`, at least libpq's 2 s);
/// - `keepalives=1`, `keepalives_idle=10`, `keepalives_interval=5`, `keepalives_count=3`
///   and `tcp_user_timeout=15000` ms: a silent peer is declared dead in seconds.
///
/// The statement timeout is not a connection parameter here (an `options` entry would
/// replace the operator's own and is refused by some poolers): each connection sets it
/// after connecting (`PostgresPool`'s `statementTimeout`).
package enum DatabaseURL {
    package static func withTimeouts(_ conninfo: String, connectTimeout: Duration) -> String {
        let connectSeconds = max(2, Int((connectTimeout / .seconds(1)).rounded(.up)))
        let defaults: [(String, String)] = [
            ("connect_timeout", String(connectSeconds)), ("keepalives", "1"), ("keepalives_idle", "10"),
            ("keepalives_interval", "5"), ("keepalives_count", "3"), ("tcp_user_timeout", "15000"),
        ]
        let isURL = conninfo.hasPrefix("postgresql://") || conninfo.hasPrefix("postgres://")
        let present = isURL ? urlKeys(conninfo) : keywordKeys(conninfo)
        let missing = defaults.filter { present.contains($0.0) == false }
        guard missing.isEmpty == false else { return conninfo }
        if isURL {
            let pairs = missing.map { "\($0.0)=\(percentEncoded($0.1))" }.joined(separator: "&")
            let separator = conninfo.contains("?") ? (conninfo.hasSuffix("?") || conninfo.hasSuffix("&") ? "" : "&") : "?"
            return conninfo + separator + pairs
        }
        return conninfo + " " + missing.map { "\($0.0)='\($0.1)'" }.joined(separator: " ")
    }

    /// Parameter names in a URL's query string.
    package static func urlKeys(_ url: String) -> Set<String> {
        guard let query = url.split(separator: "?", maxSplits: 1).dropFirst().first else { return [] }
        return Set(query.split(separator: "&").compactMap { $0.split(separator: "=", maxSplits: 1).first.map(String.init) })
    }

    /// Keywords of a `key=value key='quoted value'` string.
    package static func keywordKeys(_ conninfo: String) -> Set<String> {
        var keys: Set<String> = []
        var index = conninfo.startIndex
        while index < conninfo.endIndex {
            while index < conninfo.endIndex, conninfo[index].isWhitespace { index = conninfo.index(after: index) }
            let keyStart = index
            while index < conninfo.endIndex, conninfo[index] != "=", !conninfo[index].isWhitespace {
                index = conninfo.index(after: index)
            }
            if keyStart < index { keys.insert(String(conninfo[keyStart..<index])) }
            while index < conninfo.endIndex, conninfo[index].isWhitespace || conninfo[index] == "=" {
                index = conninfo.index(after: index)
            }
            if index < conninfo.endIndex, conninfo[index] == "'" {
                index = conninfo.index(after: index)
                while index < conninfo.endIndex, conninfo[index] != "'" {
                    if conninfo[index] == "\\" { index = conninfo.index(after: index) }
                    if index < conninfo.endIndex { index = conninfo.index(after: index) }
                }
                if index < conninfo.endIndex { index = conninfo.index(after: index) }
            } else {
                while index < conninfo.endIndex, !conninfo[index].isWhitespace { index = conninfo.index(after: index) }
            }
        }
        return keys
    }

    private static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
