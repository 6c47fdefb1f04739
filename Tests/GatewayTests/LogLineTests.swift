import Foundation
import Logging
import Testing

@testable import Gateway
@testable import GatewayCore
@testable import GatewayDomain
@testable import GatewayHTTP
@testable import GatewayOps

/// The gateway's log lines: one JSON object, or one readable line, per event.
@Suite struct LogLineTests {
    static func event(_ metadata: Logger.Metadata) -> LogEvent {
        LogEvent(
            level: .warning, message: "bot call failed", metadata: metadata, source: "gateway", file: #fileID,
            function: #function, line: #line)
    }

    @Test func jsonLinesCarryEveryField() throws {
        var handler = JSONLogHandler(label: "gateway", level: .info, json: true)
        handler[metadataKey: "request_id"] = "r-1"
        #expect(handler[metadataKey: "request_id"] == "r-1")
        let line = handler.line(
            Self.event(["bot": "up", "tries": .stringConvertible(3), "tags": ["a", "b"], "nested": ["k": "v"], "path": "/v1/x"]))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "warning")
        #expect(object["message"] as? String == "bot call failed")
        #expect(object["request_id"] as? String == "r-1")
        #expect(object["tries"] as? String == "3")
        #expect(object["tags"] as? [String] == ["a", "b"])
        #expect(object["nested"] as? [String: String] == ["k": "v"])
        #expect(line.contains(#""path":"/v1/x""#))
        #expect(line.contains("\n") == false)
        let timestamp = try #require(object["timestamp"] as? String)
        #expect(
            try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(timestamp).timeIntervalSinceNow.magnitude < 60)
    }

    @Test func jsonLinesAreValidSortedAndCannotBeSpoofed() throws {
        let handler = JSONLogHandler(label: "gateway", level: .info, json: true)
        let hostile = "quote\" backslash\\ newline\n nul\u{0} bell\u{7} é 🙂"
        let line = handler.line(Self.event(["z": .string(hostile), "message": "spoofed", "level": "debug", "a": "1"]))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["z"] as? String == hostile)
        #expect(object["message"] as? String == "bot call failed")
        #expect(object["level"] as? String == "warning")
        #expect(line.contains("\n") == false)
        let order = ["\"a\"", "\"level\"", "\"message\"", "\"timestamp\"", "\"z\""].map { line.range(of: $0)!.lowerBound }
        #expect(order == order.sorted())
    }

    @Test func textLinesAreReadable() {
        let handler = JSONLogHandler(label: "gateway", level: .info, json: false)
        let line = handler.line(Self.event(["bot": "up", "a": "1"]))
        #expect(line.hasSuffix(#" WARNING "bot call failed" a=1 bot=up"#))
        #expect(handler.line(Self.event([:])).hasSuffix(#" WARNING "bot call failed""#))
        handler.log(event: Self.event(["written": "to stdout"]))
    }

    /// A value from a request cannot start a line of its own or pass for another field.
    @Test func textLinesCannotBeForged() {
        let handler = JSONLogHandler(label: "gateway", level: .info, json: false)
        let forged = "/x\n2026-01-01T00:00:00.000Z ERROR admin granted user=1"
        let line = handler.line(Self.event(["path": .string(forged), "a": "b c", "e": "k=v"]))
        #expect(line.contains("\n") == false)
        #expect(line.contains(#"a="b c""#))
        #expect(line.contains(#"e="k=v""#))
        #expect(line.contains(#"path="/x\n2026-01-01T00:00:00.000Z ERROR admin granted user=1""#))
    }
}
