import Foundation
import GatewayCore
import GatewayDomain
import GatewayHTTP

/// `application/x-www-form-urlencoded` bodies (the console's forms): `name=value` pairs
/// joined by `&`, `+` for a space and `%XX` escapes, read in one pass. A malformed escape or
/// bytes that are not UTF-8 make the whole body invalid (nil); a repeated name keeps the
/// first value; at most 64 fields.
package enum FormBody {
    package static let maxFields = 64

    package static func parse(_ bytes: some Collection<UInt8>) -> [String: String]? {
        var fields: [String: String] = [:]
        var count = 0
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "&")) ?? bytes.endIndex
            let pair = bytes[start..<end]
            start = end < bytes.endIndex ? bytes.index(after: end) : end
            guard pair.isEmpty == false else { continue }
            count += 1
            // Stops at the first field past the bound: no work for the rest of the body.
            guard count <= maxFields else { return nil }
            let equals = pair.firstIndex(of: UInt8(ascii: "="))
            guard let name = decode(pair[..<(equals ?? pair.endIndex)]),
                let value = equals.map({ decode(pair[pair.index(after: $0)...]) }) ?? ""
            else { return nil }
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }

    /// One percent-encoded component, or nil.
    package static func decode(_ component: some Collection<UInt8>) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(component.count)
        var iterator = component.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): out.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(hex), let low = iterator.next().flatMap(hex) else { return nil }
                out.append(high << 4 | low)
            default: out.append(byte)
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
