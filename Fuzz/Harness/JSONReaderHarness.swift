/// `json-reader`: the request-body reader (`JSONReader`) on arbitrary bytes.
///
/// Invariants: it never crashes; a value it reads, written back as JSON text, reads back
/// identical (strings byte for byte, doubles bit for bit); tighter limits never accept what
/// the default limits refuse, and read the same value when they accept. Its linear-time
/// claim is checked by libFuzzer's `-timeout`.
enum JSONReaderHarness {
    static let tight = JSONReader.Limits(maxDepth: 3, maxItems: 40, maxNumberBytes: 12)

    static func run(_ data: UnsafeBufferPointer<UInt8>) {
        let parsed: JSONValue
        do throws(JSONReader.Failure) {
            parsed = try JSONReader.parse(data)
        } catch {
            invariant(error.offset >= 0 && error.offset <= data.count, "json-reader", "failure offset \(error)")
            if case .success(let value) = Result(catching: { () throws(JSONReader.Failure) in
                try JSONReader.parse(data, limits: tight)
            }) {
                invariant(false, "json-reader", "tight limits accepted \(value) that default limits refused: \(error)")
            }
            return
        }
        let text = serialize(parsed)
        let reparsed: JSONValue
        do throws(JSONReader.Failure) {
            reparsed = try text.withUnsafeBufferPointer { buffer throws(JSONReader.Failure) in try JSONReader.parse(buffer) }
        } catch {
            invariant(
                false, "json-reader", "serialized value does not read back (\(error)): \(String(decoding: text, as: UTF8.self))")
            return
        }
        invariant(identical(parsed, reparsed), "json-reader", "round trip differs: \(parsed) vs \(reparsed)")
        invariant(parsed == reparsed, "json-reader", "round trip not ==: \(parsed) vs \(reparsed)")
        if case .success(let value) = Result(catching: { () throws(JSONReader.Failure) in
            try JSONReader.parse(data, limits: tight)
        }) {
            invariant(identical(value, parsed), "json-reader", "tight limits read \(value), default \(parsed)")
        }
    }

    /// The value as compact JSON text; doubles as Swift prints them (which reads back exactly).
    static func serialize(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        write(value, to: &out)
        return out
    }

    private static func write(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out += "null".utf8
        case .bool(let flag): out += (flag ? "true" : "false").utf8
        case .int(let number): out += "\(number)".utf8
        case .double(let number): out += "\(number)".utf8
        case .string(let text): writeString(text, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, (key, element)) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                write(element, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func writeString(_ text: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), byte]
            case 0..<0x20: out += "\\u00".utf8 + [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Equality stricter than `==`: strings and keys compare as bytes (not canonical
    /// equivalence), doubles by bit pattern (so -0.0 is not 0.0).
    static func identical(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.double(let x), .double(let y)): return x.bitPattern == y.bitPattern
        case (.string(let x), .string(let y)): return x.utf8.elementsEqual(y.utf8)
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy(identical)
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for (key, value) in x {
                guard let index = y.index(forKey: key), y[index].key.utf8.elementsEqual(key.utf8),
                    identical(value, y[index].value)
                else { return false }
            }
            return true
        default: return false
        }
    }
}
