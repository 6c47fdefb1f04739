#if canImport(BotKit)
    import BotKit
#endif

// Numbers, read in linear time with a bound on their length.
extension JSONReader {
    /// A number per RFC 8259's grammar: integers that fit become `.int`, the rest `.double`.
    mutating func number() throws(Failure) -> JSONValue {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        guard try digits() > 0 else { throw fail("Expecting value") }
        if bytes[integerStart] == UInt8(ascii: "0"), index - integerStart > 1 {
            throw Failure(offset: start, reason: "Leading zeros are not allowed")
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard try digits() > 0 else { throw fail("Expecting digits after '.'") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard try digits() > 0 else { throw fail("Expecting exponent digits") }
        }
        guard index - start <= limits.maxNumberBytes else {
            throw Failure(offset: start, reason: "Number longer than \(limits.maxNumberBytes) characters")
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if isInteger, let value = Int64(text) { return .int(value) }
        guard let value = Double(text), value.isFinite else { throw Failure(offset: start, reason: "Number out of range") }
        return .double(value)
    }

    /// Skips ASCII digits (at most the number limit plus one); returns how many.
    private mutating func digits() throws(Failure) -> Int {
        let start = index
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            index += 1
            if index - start > limits.maxNumberBytes {
                throw Failure(offset: start, reason: "Number longer than \(limits.maxNumberBytes) characters")
            }
        }
        return index - start
    }
}
