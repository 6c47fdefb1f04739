/// Finds one cookie in `Cookie` header values (RFC 6265 §5.4: `name=value` pairs joined
/// by `; `), in one pass over the bytes (never Unicode characters: a combining mark cannot
/// hide a separator or be trimmed away) and without allocating for the pairs it skips. A
/// value longer than `maxValueBytes` or holding bytes a cookie value cannot hold counts as
/// absent.
package enum CookieHeader {
    /// The first cookie called `name` across `headers` (every `Cookie` field, in order).
    package static func value(named name: String, in headers: [Substring], maxValueBytes: Int = 4096) -> Substring? {
        let wanted = Array(name.utf8)
        for header in headers {
            let bytes = header.utf8
            var start = bytes.startIndex
            while start < bytes.endIndex {
                let end = bytes[start...].firstIndex(of: UInt8(ascii: ";")) ?? bytes.endIndex
                if let value = Self.value(of: bytes[start..<end], named: wanted, maxValueBytes: maxValueBytes) {
                    return value.isValid ? Substring(value.bytes) : nil
                }
                start = end < bytes.endIndex ? bytes.index(after: end) : end
            }
        }
        return nil
    }

    /// The value of one `name=value` pair when its name is `wanted`.
    private static func value(of pair: Substring.UTF8View.SubSequence, named wanted: [UInt8], maxValueBytes: Int)
        -> (bytes: Substring.UTF8View.SubSequence, isValid: Bool)?
    {
        guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else { return nil }
        guard trimmed(pair[..<equals]).elementsEqual(wanted) else { return nil }
        var value = trimmed(pair[pair.index(after: equals)...])
        if value.count >= 2, value.first == UInt8(ascii: "\""), value.last == UInt8(ascii: "\"") {
            value = value.dropFirst().dropLast()
        }
        return (value, value.count <= maxValueBytes && value.allSatisfy(isCookieOctet))
    }

    /// `cookie-octet` of RFC 6265: visible ASCII except `"`, `,`, `;` and `\`.
    package static func isCookieOctet(_ byte: UInt8) -> Bool {
        byte == 0x21 || (0x23...0x2B).contains(byte) || (0x2D...0x3A).contains(byte) || (0x3C...0x5B).contains(byte)
            || (0x5D...0x7E).contains(byte)
    }

    /// Without leading and trailing spaces and tabs (bytes).
    private static func trimmed(_ bytes: Substring.UTF8View.SubSequence) -> Substring.UTF8View.SubSequence {
        var bytes = bytes
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes = bytes.dropLast() }
        return bytes
    }
}
