/// Finds one cookie in `Cookie` header values (RFC 6265 §5.4: `name=value` pairs joined
/// by `; `), in one pass and without allocating for the pairs it skips. A value longer
/// than `maxValueBytes` or holding bytes a cookie value cannot hold counts as absent.
enum CookieHeader {
    /// The first cookie called `name` across `headers` (every `Cookie` field, in order).
    static func value(named name: String, in headers: [Substring], maxValueBytes: Int = 4096) -> Substring? {
        for header in headers {
            for pair in header.split(separator: ";", omittingEmptySubsequences: true) {
                guard let equals = pair.firstIndex(of: "=") else { continue }
                guard Self.trimmed(pair[..<equals]) == name[...] else { continue }
                var value = Self.trimmed(pair[pair.index(after: equals)...])
                if value.utf8.count >= 2, value.first == "\"", value.last == "\"" {
                    value = value.dropFirst().dropLast()
                }
                guard value.utf8.count <= maxValueBytes, value.utf8.allSatisfy(Self.isCookieOctet) else { return nil }
                return value
            }
        }
        return nil
    }

    /// `cookie-octet` of RFC 6265: visible ASCII except `"`, `,`, `;` and `\`.
    static func isCookieOctet(_ byte: UInt8) -> Bool {
        byte == 0x21 || (0x23...0x2B).contains(byte) || (0x2D...0x3A).contains(byte) || (0x3C...0x5B).contains(byte)
            || (0x5D...0x7E).contains(byte)
    }

    private static func trimmed(_ text: Substring) -> Substring {
        var text = text
        while let first = text.utf8.first, first == 0x20 || first == 0x09 { text = text.dropFirst() }
        while let last = text.utf8.last, last == 0x20 || last == 0x09 { text = text.dropLast() }
        return text
    }
}
