import BotKit
import BoundedJSON
import Foundation
import Testing

@Suite struct JSONReaderTests {
    private func parse(_ text: String, _ limits: JSONReader.Limits = .init()) throws -> JSONValue {
        try JSONReader.parse(Array(text.utf8), limits: limits)
    }

    private func failure(_ text: String, _ limits: JSONReader.Limits = .init()) -> JSONReader.Failure? {
        do {
            _ = try JSONReader.parse(Array(text.utf8), limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test func readsEveryKindOfValue() throws {
        let value = try parse(
            #" {"s":"a\"b\\c\/\n\u00e9\ud83d\ude00","i":-42,"d":1.5e3,"t":true,"f":false,"n":null,"a":[1,[2,{}]],"o":{"k":[]}} "#
        )
        #expect(
            value
                == .object([
                    "s": .string("a\"b\\c/\né😀"), "i": .int(-42), "d": .double(1500), "t": .bool(true), "f": .bool(false),
                    "n": .null, "a": .array([.int(1), .array([.int(2), .object([:])])]), "o": .object(["k": .array([])]),
                ]))
        #expect(try parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try parse("0") == .int(0))
        #expect(try parse("-0.0") == .double(-0.0))
        #expect(try parse(#"{"k":1,"k":2}"#) == .object(["k": .int(2)]))
    }

    @Test(arguments: [
        ("", "Expecting value"), ("{", "Expecting property name enclosed in double quotes"), ("[1,]", "Expecting value"),
        (#"{"a" 1}"#, "Expecting ':' delimiter"), ("[1 2]", "Expecting ',' delimiter"), ("01", "Leading zeros are not allowed"),
        ("1.", "Expecting digits after '.'"), ("1e", "Expecting exponent digits"), ("tru", "Expecting value"),
        (#""abc"#, "Unterminated string"), ("\"a\u{01}\"", "Invalid control character"), (#""\x""#, "Invalid \\escape"),
        (#""\u12""#, "Invalid \\u escape"), (#""\ud800""#, "Unpaired surrogate"), (#""\udc00x""#, "Unpaired surrogate"),
        (#""\u0000""#, "NUL character in string"), ("\"a\u{00}\"", "NUL character in string"), ("1 2", "Extra data"),
        ("1e999", "Number out of range"), ("+1", "Expecting value"), ("[-]", "Expecting value"),
    ])
    func refusesWithAReason(text: String, reason: String) {
        #expect(failure(text)?.reason == reason)
    }

    @Test func refusesInvalidUTF8() throws {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0x5C, 0x6E, 0xED, 0xA0, 0x80, 0x22]] {
            #expect(throws: JSONReader.Failure(offset: 1, reason: "Invalid UTF-8 in string")) {
                try JSONReader.parse(bytes)
            }
        }
    }

    @Test func boundsDepthItemsAndNumbers() {
        #expect(
            failure(String(repeating: "[", count: 65) + String(repeating: "]", count: 65))?.reason
                == "Nesting deeper than 64 levels")
        #expect((try? parse(String(repeating: "[", count: 64) + String(repeating: "]", count: 64))) != nil)
        #expect(failure("[1,2,3]", .init(maxItems: 3))?.reason == "More than 3 values")
        #expect(failure(String(repeating: "1", count: 600))?.reason == "Number longer than 512 characters")
        #expect(failure(String(repeating: "[", count: 100_000))?.offset == 64)
    }

    /// The reader agrees with Foundation on what is valid JSON, for a sample of documents.
    @Test func agreesWithFoundation() throws {
        let samples = [
            #"{"a":[1,2.5,"x",null,true,{"b":false}]}"#, #"[]"#, #"{}"#, #""plain""#, #"[1e2,-3E-2,0.5]"#,
            #"{"nested":{"deeper":{"deepest":["ok"]}}}"#, #"["\u00e9\u4e2d"]"#,
        ]
        for text in samples {
            let ours = try parse(text)
            let theirs = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
            #expect(Self.plain(ours) == (theirs as? NSObject).map { "\($0)" } ?? "", "\(text)")
        }
    }

    private static func plain(_ value: JSONValue) -> String {
        func object(_ value: JSONValue) -> Any {
            switch value {
            case .null: NSNull()
            case .bool(let b): b
            case .int(let i): Int(i)
            case .double(let d): d
            case .string(let s): s
            case .array(let a): a.map(object)
            case .object(let o): o.mapValues(object)
            }
        }
        return "\(object(value) as! NSObject)"
    }

    /// A megabyte of any shape is read in linear time: nested arrays cost what flat ones do.
    @Test func costIsLinearInTheBody() throws {
        let nested = String(repeating: String(repeating: "[", count: 60) + String(repeating: "]", count: 60) + ",", count: 8000)
        let body = "[" + nested + "0]"
        // The thread's CPU time, not the wall clock: a second suite beside this one can
        // stretch the wall clock, not the work done.
        func cpu() -> Duration {
            var time = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
            return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
        }
        let start = cpu()
        _ = try parse(body)
        let elapsed = cpu() - start
        #expect(elapsed < .seconds(2), "\(body.utf8.count) bytes took \(elapsed) of CPU")
    }
}
