#if canImport(BotKit)
    import BotKit
#endif

/// Reads JSON into `JSONValue` in one pass over the bytes (RFC 8259), with explicit
/// limits: nesting depth, number lengths, and items per document. Its cost grows linearly
/// with the input whatever its shape, so a hostile document is refused as cheaply as a
/// valid one is read. Strict text (the default, for request bodies) refuses invalid UTF-8,
/// unpaired surrogates and NUL characters (PostgreSQL text cannot hold NUL; silently
/// cutting a string is worse than a 422); lenient text (for upstream replies) keeps NUL
/// and replaces broken text with U+FFFD.
public struct JSONReader {
    /// What the reader refuses, and where (a byte offset into the input).
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let offset: Int
        public let reason: String
        public var description: String { "\(reason) at byte \(offset)" }

        public init(offset: Int, reason: String) {
            self.offset = offset
            self.reason = reason
        }
    }

    /// The bounds applied to one document.
    public struct Limits: Sendable {
        /// Arrays and objects nested deeper than this are refused.
        public var maxDepth: Int
        /// Values (scalars, arrays, objects, keys) in one document.
        public var maxItems: Int
        /// Longest number literal, in bytes.
        public var maxNumberBytes: Int
        /// Refuse invalid UTF-8, unpaired surrogates and NUL (else: replace, keep NUL).
        public var strictText: Bool

        public init(maxDepth: Int = 64, maxItems: Int = 1_000_000, maxNumberBytes: Int = 512, strictText: Bool = true) {
            self.maxDepth = maxDepth
            self.maxItems = maxItems
            self.maxNumberBytes = maxNumberBytes
            self.strictText = strictText
        }
    }

    let bytes: UnsafeBufferPointer<UInt8>
    let limits: Limits
    var index = 0
    private var items = 0
    /// Reused for strings with escapes.
    private var scratch: [UInt8] = []

    private init(_ bytes: UnsafeBufferPointer<UInt8>, limits: Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    /// One JSON value and nothing after it but whitespace.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, limits: Limits = Limits()) throws(Failure) -> JSONValue {
        var reader = JSONReader(bytes, limits: limits)
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        guard reader.index == bytes.count else { throw reader.fail("Extra data") }
        return value
    }

    /// Parses any contiguous bytes (an array, a `Data`, a string's UTF-8 view).
    public static func parse<Bytes: Collection<UInt8>>(_ bytes: Bytes, limits: Limits = Limits()) throws(Failure) -> JSONValue {
        let result: Result<JSONValue, Failure>? = bytes.withContiguousStorageIfAvailable { buffer in
            do throws(Failure) { return .success(try parse(buffer, limits: limits)) } catch { return .failure(error) }
        }
        switch result
            ?? Array(bytes).withUnsafeBufferPointer({ buffer in
                do throws(Failure) { return .success(try parse(buffer, limits: limits)) } catch { return .failure(error) }
            })
        {
        case .success(let value): return value
        case .failure(let failure): throw failure
        }
    }

    func fail(_ reason: String) -> Failure { Failure(offset: index, reason: reason) }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func count() throws(Failure) {
        items += 1
        if items > limits.maxItems { throw fail("More than \(limits.maxItems) values") }
    }

    private mutating func value(depth: Int) throws(Failure) -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else { throw fail("Expecting value") }
        try count()
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw fail("Expecting value")
        }
    }

    private mutating func literal(_ word: StaticString, _ value: JSONValue) throws(Failure) -> JSONValue {
        let length = word.utf8CodeUnitCount
        guard bytes.count - index >= length else { throw fail("Expecting value") }
        for offset in 0..<length where bytes[index + offset] != word.utf8Start[offset] { throw fail("Expecting value") }
        index += length
        return value
    }

    private mutating func object(depth: Int) throws(Failure) -> JSONValue {
        guard depth <= limits.maxDepth else { throw fail("Nesting deeper than \(limits.maxDepth) levels") }
        index += 1
        var object: [String: JSONValue] = [:]
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw fail("Expecting property name enclosed in double quotes")
            }
            try count()
            let key = try string()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("Expecting ':' delimiter") }
            index += 1
            object[key] = try value(depth: depth)
            skipWhitespace()
            guard index < bytes.count else { throw fail("Expecting ',' delimiter") }
            let separator = bytes[index]
            index += 1
            if separator == UInt8(ascii: "}") { return .object(object) }
            guard separator == UInt8(ascii: ",") else {
                index -= 1
                throw fail("Expecting ',' delimiter")
            }
        }
    }

    private mutating func array(depth: Int) throws(Failure) -> JSONValue {
        guard depth <= limits.maxDepth else { throw fail("Nesting deeper than \(limits.maxDepth) levels") }
        index += 1
        var array: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(array)
        }
        while true {
            array.append(try value(depth: depth))
            skipWhitespace()
            guard index < bytes.count else { throw fail("Expecting ',' delimiter") }
            let separator = bytes[index]
            index += 1
            if separator == UInt8(ascii: "]") { return .array(array) }
            guard separator == UInt8(ascii: ",") else {
                index -= 1
                throw fail("Expecting ',' delimiter")
            }
        }
    }

    /// A string starting at the opening quote.
    private mutating func string() throws(Failure) -> String {
        index += 1
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                defer { index += 1 }
                return try validated(UnsafeBufferPointer(rebasing: bytes[start..<index]), at: start)
            }
            if byte == UInt8(ascii: "\\") { return try escapedString(from: start) }
            guard byte >= 0x20 else { throw fail(byte == 0 ? "NUL character in string" : "Invalid control character") }
            index += 1
        }
        throw fail("Unterminated string")
    }

    /// The slow path for a string holding escapes; `index` is at the first backslash.
    private mutating func escapedString(from start: Int) throws(Failure) -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return try scratch.withUnsafeBufferPointer { buffer throws(Failure) in try validated(buffer, at: start) }
            case UInt8(ascii: "\\"):
                index += 1
                try unescape()
            case 0..<0x20:
                throw fail(byte == 0 ? "NUL character in string" : "Invalid control character")
            default:
                scratch.append(byte)
                index += 1
            }
        }
        throw fail("Unterminated string")
    }

    private func validated(_ slice: UnsafeBufferPointer<UInt8>, at start: Int) throws(Failure) -> String {
        if limits.strictText == false { return String(decoding: slice, as: UTF8.self) }
        guard let text = String(validating: slice, as: UTF8.self) else {
            throw Failure(offset: start, reason: "Invalid UTF-8 in string")
        }
        return text
    }

    /// One escape after its backslash, appended to `scratch` as UTF-8.
    private mutating func unescape() throws(Failure) {
        guard index < bytes.count else { throw fail("Unterminated string") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(byte)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar), bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"),
                bytes[index + 1] == UInt8(ascii: "u")
            {
                let mark = index
                index += 2
                let low = try hex4()
                if (0xDC00..<0xE000).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    index = mark  // the next escape stands alone
                }
            }
            if (0xD800..<0xE000).contains(scalar) {
                guard limits.strictText == false else { throw fail("Unpaired surrogate") }
                scalar = 0xFFFD
            }
            guard scalar != 0 || limits.strictText == false else { throw fail("NUL character in string") }
            guard let unicode = Unicode.Scalar(scalar) else { throw fail("Invalid \\u escape") }
            scratch.append(contentsOf: UTF8.encode(unicode)!)
        default:
            index -= 1
            throw fail("Invalid \\escape")
        }
    }

    mutating func hex4() throws(Failure) -> UInt32 {
        guard bytes.count - index >= 4 else { throw fail("Invalid \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw fail("Invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}
