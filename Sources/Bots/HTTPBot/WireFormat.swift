import BotKit
import BotTransport
import Foundation

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
