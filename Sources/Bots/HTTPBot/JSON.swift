import Foundation

/// JSON for upstream bodies, as plain Swift values (`[String: Any]`, `[Any]`, `String`,
/// `Int`, `Double`, `Bool`, `NSNull`). A small parser and writer of our own: Foundation's
/// `JSONSerialization` costs more than the rest of an upstream call on Linux.
enum JSON {
    /// Nesting limit, so a hostile upstream cannot exhaust the stack.
    static let maxDepth = 128

    static func object(_ bytes: some Collection<UInt8>) throws -> [String: Any] {
        var parser = Parser(bytes: Array(bytes))
        guard let object = try? parser.document() as? [String: Any] else {
            throw WireError.malformed("not a JSON object")
        }
        return object
    }

    static func object(_ text: String) throws -> [String: Any] { try object(Array(text.utf8)) }

    /// Serializes an object; keys are written sorted so bodies are reproducible.
    static func encode(_ value: [String: Any]) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        try write(value, to: &out)
        return out
    }

    static func int(_ value: Any?) -> Int? {
        switch value {
        case let number as Int: number
        case let number as Double where number.rounded() == number && abs(number) < 9e15: Int(number)
        default: nil
        }
    }

    private static func write(_ value: Any, to out: inout [UInt8]) throws {
        switch value {
        case let text as String: writeString(text, to: &out)
        case let flag as Bool: out.append(contentsOf: Array((flag ? "true" : "false").utf8))
        case let number as Int: out.append(contentsOf: Array(String(number).utf8))
        case let number as Double:
            guard number.isFinite else { throw WireError.malformed("non-finite number") }
            out.append(contentsOf: Array(String(number).utf8))
        case is NSNull: out.append(contentsOf: Array("null".utf8))
        case let array as [Any]:
            out.append(UInt8(ascii: "["))
            for (index, element) in array.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                try write(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let object as [String: Any]:
            out.append(UInt8(ascii: "{"))
            for (index, key) in object.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                try write(object[key]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        default:
            throw WireError.malformed("cannot encode \(type(of: value))")
        }
    }

    private static func writeString(_ text: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// A recursive-descent parser over UTF-8 bytes (RFC 8259).
    struct Parser {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        struct Invalid: Error {}

        /// One value and nothing after it but whitespace.
        mutating func document() throws -> Any {
            let value = try parseValue(depth: 0)
            skipWhitespace()
            guard index == bytes.count else { throw Invalid() }
            return value
        }

        private mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
        }

        private mutating func parseValue(depth: Int) throws -> Any {
            guard depth < JSON.maxDepth else { throw Invalid() }
            skipWhitespace()
            guard index < bytes.count else { throw Invalid() }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try parseObject(depth: depth)
            case UInt8(ascii: "["): return try parseArray(depth: depth)
            case UInt8(ascii: "\""): return try parseString()
            case UInt8(ascii: "t"): return try literal("true", true)
            case UInt8(ascii: "f"): return try literal("false", false)
            case UInt8(ascii: "n"): return try literal("null", NSNull())
            default: return try parseNumber()
            }
        }

        private mutating func literal(_ word: String, _ value: Any) throws -> Any {
            let expected = Array(word.utf8)
            guard bytes.count - index >= expected.count, Array(bytes[index..<index + expected.count]) == expected else {
                throw Invalid()
            }
            index += expected.count
            return value
        }

        private mutating func expect(_ byte: UInt8) throws {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == byte else { throw Invalid() }
            index += 1
        }

        private mutating func parseObject(depth: Int) throws -> [String: Any] {
            index += 1
            var object: [String: Any] = [:]
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return object
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw Invalid() }
                let key = try parseString()
                try expect(UInt8(ascii: ":"))
                object[key] = try parseValue(depth: depth + 1)
                skipWhitespace()
                guard index < bytes.count else { throw Invalid() }
                let separator = bytes[index]
                index += 1
                if separator == UInt8(ascii: "}") { return object }
                guard separator == UInt8(ascii: ",") else { throw Invalid() }
            }
        }

        private mutating func parseArray(depth: Int) throws -> [Any] {
            index += 1
            var array: [Any] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return array
            }
            while true {
                array.append(try parseValue(depth: depth + 1))
                skipWhitespace()
                guard index < bytes.count else { throw Invalid() }
                let separator = bytes[index]
                index += 1
                if separator == UInt8(ascii: "]") { return array }
                guard separator == UInt8(ascii: ",") else { throw Invalid() }
            }
        }

        private mutating func parseString() throws -> String {
            index += 1
            let start = index
            // Fast path: no escapes.
            while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
                guard bytes[index] >= 0x20 else { throw Invalid() }
                index += 1
            }
            guard index < bytes.count else { throw Invalid() }
            if bytes[index] == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: bytes[start..<index - 1], as: UTF8.self)
            }
            var text = Array(bytes[start..<index])
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""): return String(decoding: text, as: UTF8.self)
                case UInt8(ascii: "\\"): try unescape(into: &text)
                case 0..<0x20: throw Invalid()
                default: text.append(byte)
                }
            }
            throw Invalid()
        }

        private mutating func unescape(into text: inout [UInt8]) throws {
            guard index < bytes.count else { throw Invalid() }
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(byte)
            case UInt8(ascii: "b"): text.append(0x08)
            case UInt8(ascii: "f"): text.append(0x0C)
            case UInt8(ascii: "n"): text.append(0x0A)
            case UInt8(ascii: "r"): text.append(0x0D)
            case UInt8(ascii: "t"): text.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    // A surrogate pair; a lone half becomes U+FFFD.
                    if bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                        index += 2
                        let low = try hex4()
                        if (0xDC00..<0xE000).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            // Not a low half: the lone high half becomes U+FFFD and the next
                            // escape is read again on its own.
                            index -= 6
                            scalar = 0xFFFD
                        }
                    } else {
                        scalar = 0xFFFD
                    }
                } else if (0xDC00..<0xE000).contains(scalar) {
                    scalar = 0xFFFD
                }
                text.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
            default: throw Invalid()
            }
        }

        private mutating func hex4() throws -> UInt32 {
            guard bytes.count - index >= 4 else { throw Invalid() }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                index += 1
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw Invalid()
                }
                value = value << 4 | digit
            }
            return value
        }

        private mutating func parseNumber() throws -> Any {
            let start = index
            var isInteger = true
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            let digitsStart = index
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): index += 1
                case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-"):
                    isInteger = false
                    index += 1
                default:
                    return try number(start, digitsStart, isInteger)
                }
            }
            return try number(start, digitsStart, isInteger)
        }

        private func number(_ start: Int, _ digitsStart: Int, _ isInteger: Bool) throws -> Any {
            guard index > digitsStart, bytes[digitsStart] >= UInt8(ascii: "0"), bytes[digitsStart] <= UInt8(ascii: "9") else {
                throw Invalid()
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            if isInteger, let value = Int(text) { return value }
            guard let value = Double(text), value.isFinite else { throw Invalid() }
            return value
        }
    }
}
