import BotKit
import BoundedJSON
import Foundation
import Testing

/// BotKit's JSON reader (lenient, as bots read upstream replies) and writer, checked
/// against Foundation's.
@Suite struct JSONTests {
    static let lenient = JSONReader.Limits(maxDepth: 128, strictText: false)

    @Test func readsWhatFoundationReads() throws {
        let text = #"""
            {"id":"x","n":42,"neg":-7,"f":1.5,"e":2.5e3,"t":true,"no":false,"nil":null,
             "s":"q\"uote\\ \/ \b\f\n\r\t \u00e9 \ud83d\ude80 日本","a":[1,[2,{"k":[]}],{}],"o":{"deep":{"er":"y"}}}
            """#
        let ours = try JSONReader.parse(Array(text.utf8), limits: Self.lenient)
        let theirs = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(ours["s"]?.string == theirs["s"] as? String)
        #expect(ours["n"]?.int == 42)
        #expect(ours["neg"]?.int == -7)
        #expect(ours["f"]?.double == 1.5)
        #expect(ours["e"]?.int == 2500)
        #expect(ours["t"]?.bool == true)
        #expect(ours["no"]?.bool == false)
        #expect(ours["nil"] == .null)
        #expect(ours["o"]?["deep"]?["er"]?.string == "y")
        #expect(ours["a"]?.array?.count == 3)
        #expect(ours["a"]?[1]?.array?.count == 2)
        #expect(ours["a"]?[9] == nil)
        #expect(ours["missing"] == nil)
    }

    @Test(arguments: [
        "", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":1 \"b\":2}", "{\"a\":tru}",
        "{\"a\":\"unterminated}", "{\"a\":\"bad \\x escape\"}", "{\"a\":-}", "{\"a\":1.2.3}", "{\"a\":1} extra",
        "{\"a\":\"raw \n newline\"}", "{\"a\":\"\\u12\"}",
    ])
    func refusesMalformedDocuments(text: String) {
        #expect(throws: JSONReader.Failure.self) { try JSONReader.parse(Array(text.utf8), limits: Self.lenient) }
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "{\"a\":", count: 200) + "1" + String(repeating: "}", count: 200)
        #expect(throws: JSONReader.Failure.self) { try JSONReader.parse(Array(deep.utf8), limits: Self.lenient) }
        let fine = String(repeating: "{\"a\":", count: 100) + "1" + String(repeating: "}", count: 100)
        #expect(throws: Never.self) { try JSONReader.parse(Array(fine.utf8), limits: Self.lenient) }
    }

    @Test func lenientTextReplacesBrokenTextAndKeepsNUL() throws {
        // A high half followed by another escape keeps that escape (found by fuzzing).
        #expect(try JSONReader.parse(Array(#"{"c":"\ud800\u0041"}"#.utf8), limits: Self.lenient)["c"]?.string == "\u{FFFD}A")
        let object = try JSONReader.parse(Array(#"{"a":"x\ud800y","b":"\udc00","n":"\u0000"}"#.utf8), limits: Self.lenient)
        #expect(object["a"]?.string == "x\u{FFFD}y")
        #expect(object["b"]?.string == "\u{FFFD}")
        #expect(object["n"]?.string == "\u{0}")
        #expect(try JSONReader.parse([0x22, 0xFF, 0x22], limits: Self.lenient) == .string("\u{FFFD}"))
        // Strict text (request bodies) refuses each of them.
        for text in [#""\ud800\u0041""#, #""\udc00""#, #""\u0000""#] {
            #expect(throws: JSONReader.Failure.self) { try JSONReader.parse(Array(text.utf8)) }
        }
        #expect(throws: JSONReader.Failure.self) { try JSONReader.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func writesWhatFoundationReadsBack() throws {
        var value: JSONValue = [
            "model": "m", "stream": true, "n": 3, "t": 0.7, "none": .null,
            "messages": [["role": "user", "content": "line\nbreak \"q\" \\ \u{01} é 🚀"]],
        ]
        value["added"] = 1
        let back = try #require(try JSONSerialization.jsonObject(with: Data(value.jsonBytes)) as? [String: Any])
        #expect(back["model"] as? String == "m")
        #expect(back["stream"] as? Bool == true)
        #expect(back["n"] as? Int == 3)
        #expect(back["t"] as? Double == 0.7)
        #expect(back["added"] as? Int == 1)
        #expect(back["none"] is NSNull)
        let message = try #require((back["messages"] as? [[String: Any]])?.first)
        #expect(message["content"] as? String == "line\nbreak \"q\" \\ \u{01} é 🚀")
        #expect(String(decoding: (["b": 1, "a": 2] as JSONValue).jsonBytes, as: UTF8.self) == #"{"a":2,"b":1}"#)
        #expect(String(decoding: (["x": .double(.nan)] as JSONValue).jsonBytes, as: UTF8.self) == #"{"x":null}"#)
        #expect(try JSONReader.parse(value.jsonBytes) == value)
    }
}
