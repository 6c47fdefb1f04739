import Foundation
import Testing

@testable import HTTPBot

/// HTTPBot's own JSON reader and writer, checked against Foundation's.
@Suite struct JSONTests {
    @Test func parsesWhatFoundationParses() throws {
        let text = #"""
            {"id":"x","n":42,"neg":-7,"f":1.5,"e":2.5e3,"t":true,"no":false,"nil":null,
             "s":"q\"uote\\ \/ \b\f\n\r\t \u00e9 \ud83d\ude80 日本","a":[1,[2,{"k":[]}],{}],"o":{"deep":{"er":"y"}}}
            """#
        let ours = try JSON.object(Array(text.utf8))
        let theirs = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(ours["s"] as? String == theirs["s"] as? String)
        #expect(ours["n"] as? Int == 42)
        #expect(ours["neg"] as? Int == -7)
        #expect(ours["f"] as? Double == 1.5)
        #expect(JSON.int(ours["e"]) == 2500)
        #expect(ours["t"] as? Bool == true)
        #expect(ours["no"] as? Bool == false)
        #expect(ours["nil"] is NSNull)
        #expect(((ours["o"] as? [String: Any])?["deep"] as? [String: Any])?["er"] as? String == "y")
        let array = try #require(ours["a"] as? [Any])
        #expect(array.count == 3)
        #expect((array[1] as? [Any])?.count == 2)
    }

    @Test(arguments: [
        "", "[]", "1", #""s""#, "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":1 \"b\":2}", "{\"a\":tru}",
        "{\"a\":\"unterminated}", "{\"a\":\"bad \\x escape\"}", "{\"a\":-}", "{\"a\":1.2.3}", "{\"a\":1} extra",
        "{\"a\":\"raw \n newline\"}", "{\"a\":\"\\u12\"}",
    ])
    func rejectsMalformedDocuments(text: String) {
        #expect(throws: WireError.self) { try JSON.object(Array(text.utf8)) }
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "{\"a\":", count: 200) + "1" + String(repeating: "}", count: 200)
        #expect(throws: WireError.self) { try JSON.object(Array(deep.utf8)) }
        let fine = String(repeating: "{\"a\":", count: 50) + "1" + String(repeating: "}", count: 50)
        #expect(throws: Never.self) { try JSON.object(Array(fine.utf8)) }
    }

    @Test func loneSurrogatesBecomeReplacementCharacters() throws {
        // A high half followed by another escape keeps that escape (found by fuzzing).
        #expect(try JSON.object(Array(#"{"c":"\ud800\u0041"}"#.utf8))["c"] as? String == "\u{FFFD}A")
        let object = try JSON.object(Array(#"{"a":"x\ud800y","b":"\udc00"}"#.utf8))
        #expect(object["a"] as? String == "x\u{FFFD}y")
        #expect(object["b"] as? String == "\u{FFFD}")
    }

    @Test func writesWhatFoundationReadsBack() throws {
        let value: [String: Any] = [
            "model": "m", "stream": true, "n": 3, "t": 0.7, "none": NSNull(),
            "messages": [["role": "user", "content": "line\nbreak \"q\" \\ \u{01} é 🚀"]],
        ]
        let bytes = try JSON.encode(value)
        let back = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(back["model"] as? String == "m")
        #expect(back["stream"] as? Bool == true)
        #expect(back["n"] as? Int == 3)
        #expect(back["t"] as? Double == 0.7)
        #expect(back["none"] is NSNull)
        let message = try #require((back["messages"] as? [[String: Any]])?.first)
        #expect(message["content"] as? String == "line\nbreak \"q\" \\ \u{01} é 🚀")
        #expect(String(decoding: try JSON.encode(["b": 1, "a": 2]), as: UTF8.self) == #"{"a":2,"b":1}"#)
        #expect(throws: WireError.self) { try JSON.encode(["x": Double.nan]) }
        #expect(throws: WireError.self) { try JSON.encode(["x": Date()]) }
    }
}
