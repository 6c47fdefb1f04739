/// `json-reader`: the request-body reader (`JSONReader`) on arbitrary bytes.
///
/// Invariants: it never crashes; a value it reads, written back by `jsonBytes`, reads back
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
        let text = parsed.jsonBytes  // BotKit's writer, fuzzed with the reader
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
