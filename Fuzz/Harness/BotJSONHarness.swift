/// `bot-json`: upstream bodies as the bots read them (`JSONReader` with lenient text, as
/// `UpstreamJSON` sets it) and write them (`jsonBytes`).
///
/// Invariants: it never crashes; a value it reads writes out, reads back identical, and
/// writes the same bytes again. Any value nested in an object (not only objects at the
/// top) is fuzzed, by wrapping the input in `{"v":…}` when it does not read by itself.
enum BotJSONHarness {
    static let lenient = JSONReader.Limits(maxDepth: 128, strictText: false)

    static func run(_ data: UnsafeBufferPointer<UInt8>) {
        if let value = try? JSONReader.parse(data, limits: lenient) {
            check(value, Array(data))
        } else {
            let wrapped = Array("{\"v\":".utf8) + data + [UInt8(ascii: "}")]
            if let value = try? JSONReader.parse(wrapped, limits: lenient) { check(value, wrapped) }
        }
    }

    private static func check(_ value: JSONValue, _ input: [UInt8]) {
        let encoded = value.jsonBytes
        let again: JSONValue
        do { again = try JSONReader.parse(encoded, limits: lenient) } catch {
            invariant(false, "bot-json", "written value does not read back (\(error)): \(text(encoded))")
            return
        }
        invariant(JSONReaderHarness.identical(value, again), "bot-json", "round trip differs: \(text(encoded))")
        invariant(encoded == again.jsonBytes, "bot-json", "writing changed on a round trip: \(text(encoded))")
    }

    private static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes.prefix(2000), as: UTF8.self) }
}
