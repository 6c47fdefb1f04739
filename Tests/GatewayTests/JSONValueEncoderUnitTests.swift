import BotKit
import Testing

@testable import GatewayHTTP

/// `JSONValueEncoder` writes what synthesized `Encodable` describes, and refuses numbers
/// JSON cannot carry.
@Suite struct JSONValueEncoderUnitTests {
    struct Inner: Encodable, Equatable {
        var flag = true
        var ratio: Float = 0.5
    }

    struct Outer: Encodable {
        var name = "a"
        var count: Int32 = 3
        var big: UInt = 7
        var missing: String? = nil
        var items: [Inner] = [Inner(), Inner(flag: false, ratio: 2)]
        var nested: [[Int]] = [[1, 2], []]
        var raw: JSONValue = ["k": .null]
        var byName: [String: Int64] = ["x": -1]
    }

    struct ExplicitNull: Encodable {
        enum CodingKeys: String, CodingKey { case gone, list, inner }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encodeNil(forKey: .gone)
            var list = container.nestedUnkeyedContainer(forKey: .list)
            try list.encodeNil()
            try list.encode("two")
            var inner = list.nestedContainer(keyedBy: CodingKeys.self)
            try inner.encode(1.5, forKey: .gone)
            var deeper = container.nestedContainer(keyedBy: CodingKeys.self, forKey: .inner)
            try deeper.encode(false, forKey: .gone)
        }
    }

    @Test func writesWhatTheTypeDescribes() throws {
        let value = try JSONValueEncoder.encode(Outer())
        #expect(
            value
                == [
                    "name": "a", "count": 3, "big": 7,
                    "items": [["flag": true, "ratio": 0.5], ["flag": false, "ratio": 2.0]],
                    "nested": [[1, 2], []], "raw": ["k": .null], "byName": ["x": -1],
                ])
        #expect(
            try JSONValueEncoder.encode(ExplicitNull()) == [
                "gone": .null, "list": [.null, "two", ["gone": 1.5]], "inner": ["gone": false],
            ])
        #expect(try JSONValueEncoder.encode("text") == "text")
        #expect(try JSONValueEncoder.encode([1, 2]) == [1, 2])
        #expect(try JSONValueEncoder.encode(JSONValue.int(4)) == 4)
    }

    struct Nullable: Encodable {
        var text: String? = nil
        var number: Int? = nil
        var flag: Bool? = nil
        var inner: Inner? = nil
        var kept: Double? = 1.5
    }

    @Test func nilOptionalsAreLeftOutOrWrittenAsNull() throws {
        #expect(try JSONValueEncoder.encode(Nullable()) == ["kept": 1.5])
        #expect(
            try JSONValueEncoder.encode(Nullable(), nulls: true)
                == ["text": .null, "number": .null, "flag": .null, "inner": .null, "kept": 1.5])
        #expect(
            try JSONValueEncoder.encode([Nullable(inner: Inner())], nulls: true) == [
                ["text": .null, "number": .null, "flag": .null, "inner": ["flag": true, "ratio": 0.5], "kept": 1.5]
            ])
    }

    @Test func refusesNumbersJSONCannotCarry() {
        #expect(throws: EncodingError.self) { try JSONValueEncoder.encode(["n": UInt64.max]) }
        #expect(throws: EncodingError.self) { try JSONValueEncoder.encode([Double.nan]) }
        #expect(throws: EncodingError.self) { try JSONValueEncoder.encode(Inner(ratio: .infinity)) }
    }
}
