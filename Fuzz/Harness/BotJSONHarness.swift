/// `bot-json`: the upstream-body JSON of the HTTP bot (`JSON.object`, `JSON.encode`).
///
/// Invariants: it never crashes; an object it reads encodes without error, and that
/// encoding reads back to an object whose encoding is the same bytes. Any value nested in
/// an object (not only objects at the top) is fuzzed, by wrapping the input in `{"v":…}`
/// when it does not read as an object itself.
enum BotJSONHarness {
    static func run(_ data: UnsafeBufferPointer<UInt8>) {
        if let object = try? JSON.object(data) {
            check(object, Array(data))
        } else {
            let wrapped = Array("{\"v\":".utf8) + data + [UInt8(ascii: "}")]
            if let object = try? JSON.object(wrapped) { check(object, wrapped) }
        }
    }

    private static func check(_ object: [String: Any], _ input: [UInt8]) {
        let encoded: [UInt8]
        do { encoded = try JSON.encode(object) } catch {
            invariant(false, "bot-json", "cannot encode what was read (\(error)): \(text(input))")
            return
        }
        let again: [UInt8]
        do { again = try JSON.encode(try JSON.object(encoded)) } catch {
            invariant(false, "bot-json", "encoding does not read back (\(error)): \(text(encoded))")
            return
        }
        invariant(encoded == again, "bot-json", "encoding changed on a round trip: \(text(encoded)) then \(text(again))")
    }

    private static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes.prefix(2000), as: UTF8.self) }
}
