import BotKit
import Foundation

/// What a wire format extracts from the upstream's answer.
enum WireEvent: Equatable {
    case delta(String)
    case toolCall(ToolCallDelta)
    case usage(TokenUsage)
    case finish(FinishReason)
    /// The upstream said the reply is complete.
    case done
}

/// What a call hands on as it arrives.
enum Output {
    case text(String)
    case toolCall(ToolCallDelta)
}

/// An upstream API's request shape and response parser.
protocol WireFormat: Sendable {
    /// The request to send for a chat turn.
    func chatRequest(_ request: BotRequest, settings: HTTPBotSettings, stream: Bool) throws -> (
        path: String, headers: [String], body: [UInt8]
    )
    /// A fresh parser for one response.
    func parser(stream: Bool) -> any ResponseParser
    /// A cheap GET that shows the upstream is reachable without billing anything.
    var healthPath: String { get }
    /// Authentication headers for `settings`.
    func authHeaders(_ settings: HTTPBotSettings) -> [String]
}

/// Turns response bytes into `WireEvent`s.
protocol ResponseParser {
    mutating func feed(_ bytes: [UInt8]) throws -> [WireEvent]
    mutating func finish() throws -> [WireEvent]
}

/// Parses a whole JSON body at the end (non-streaming requests).
struct WholeBodyParser: ResponseParser {
    let decode: @Sendable (JSONValue) throws -> [WireEvent]
    private var body: [UInt8] = []

    init(decode: @escaping @Sendable (JSONValue) throws -> [WireEvent]) { self.decode = decode }

    mutating func feed(_ bytes: [UInt8]) throws -> [WireEvent] {
        body.append(contentsOf: bytes)
        return []
    }

    mutating func finish() throws -> [WireEvent] {
        try decode(try UpstreamJSON.object(body))
    }
}
