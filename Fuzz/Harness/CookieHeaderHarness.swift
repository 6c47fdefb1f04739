/// `cookie-header`: `CookieHeader.value(named:in:maxValueBytes:)` on arbitrary headers.
///
/// Input: one byte for `maxValueBytes` (0–254, or 255 for the default 4096), then
/// NUL-separated fields: the cookie name, then each `Cookie` header value.
///
/// Invariants: it never crashes; a value it returns is at most `maxValueBytes` long, holds
/// only cookie-octets, and lies inside one of the headers it was given.
enum CookieHeaderHarness {
    static func run(_ data: UnsafeBufferPointer<UInt8>) {
        var input = FuzzInput(data)
        let limitByte = input.byte()
        let maxValueBytes = limitByte == 255 ? 4096 : Int(limitByte)
        var fields = input.rest().fields(separatedBy: 0)
        let name = fields.removeFirst()
        let headers = fields.map { $0[...] }

        guard let value = CookieHeader.value(named: name, in: headers, maxValueBytes: maxValueBytes) else { return }
        invariant(
            value.utf8.count <= maxValueBytes, "cookie-header", "value of \(value.utf8.count) bytes, limit \(maxValueBytes)")
        invariant(
            value.utf8.allSatisfy(CookieHeader.isCookieOctet), "cookie-header",
            "value \(Array(value.utf8)) holds a non-cookie-octet")
        invariant(
            headers.contains { header in
                header.base.utf8.elementsEqual(value.base.utf8) && header.startIndex <= value.startIndex
                    && value.endIndex <= header.endIndex
            }, "cookie-header", "value \(value.debugDescription) is not part of any header")
    }
}
