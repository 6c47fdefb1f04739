import BotKit
import BoundedJSON
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps

@Suite struct JSONEchoTests {
    /// A 422 echoes small inputs and a note for large ones (echoing costs more than reading).
    @Test func largeInputsAreNotEchoed() throws {
        let small = try JSONReader.parse(Array(#"{"a":[1,2,3],"b":"x"}"#.utf8))
        #expect(small.echoable == small)
        let big = try JSONReader.parse(Array(("[" + Array(repeating: "[1]", count: 2000).joined(separator: ",") + "]").utf8))
        #expect(big.echoable == .string("(omitted: too large to echo)"))
        #expect(JSONValue.string(String(repeating: "a", count: 70000)).echoable != .string(String(repeating: "a", count: 70000)))
        let issue = ValidationIssue(type: "t", loc: [.key("body")], msg: "m", input: big)
        #expect(issue.input == .string("(omitted: too large to echo)"))
    }
}
