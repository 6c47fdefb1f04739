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

    struct EveryInteger: Encodable {
        var a: Int8? = nil
        var b: Int16? = nil
        var c: Int32? = nil
        var d: Int64? = nil
        var e: UInt? = nil
        var f: UInt8? = nil
        var g: UInt16? = nil
        var h: UInt32? = nil
        var i: UInt64? = nil
        var j: Float? = nil
    }

    class Base: Encodable {
        enum CodingKeys: String, CodingKey { case base }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(1, forKey: .base)
        }
    }

    final class Derived: Base {
        enum Keys: String, CodingKey { case own, parent }
        override func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(2, forKey: .own)
            try super.encode(to: container.superEncoder(forKey: .parent))
            try super.encode(to: container.superEncoder())
            var list = container.nestedUnkeyedContainer(forKey: .own)
            var inner = list.nestedUnkeyedContainer()
            try inner.encode(3)
            try super.encode(to: list.superEncoder())
            #expect(list.count == 2 && encoder.userInfo.isEmpty)
        }
    }

    @Test func everyContainerAndOptionalKindIsWritten() throws {
        let nulls = try JSONValueEncoder.encode(EveryInteger(), nulls: true)
        #expect(nulls.object?.count == 10 && nulls.object?.values.allSatisfy { $0 == .null } == true)
        #expect(try JSONValueEncoder.encode(EveryInteger(a: 1, e: 2, j: 0.5)) == ["a": 1, "e": 2, "j": 0.5])
        #expect(
            try JSONValueEncoder.encode(Derived())
                == ["own": [[3], ["base": 1]], "parent": ["base": 1], "super": ["base": 1]])
    }

    @Test func refusesNumbersJSONCannotCarry() {
        #expect(throws: EncodingError.self) { try JSONValueEncoder.encode(["n": UInt64.max]) }
        #expect(throws: EncodingError.self) { try JSONValueEncoder.encode([Double.nan]) }
        #expect(throws: EncodingError.self) { try JSONValueEncoder.encode(Inner(ratio: .infinity)) }
    }
}
