import BotKit

/// What a response parser extracts from an upstream's answer.
package enum WireEvent: Equatable {
    case delta(String)
    case toolCall(ToolCallDelta)
    case usage(TokenUsage)
    case finish(FinishReason)
    /// The upstream said the reply is complete.
    case done
    /// The upstream ended the reply with this failure (the bot protocol's `error` event).
    case failure(BotError)
}

/// Turns response bytes into `WireEvent`s.
package protocol ResponseParser {
    mutating func feed(_ bytes: [UInt8]) throws -> [WireEvent]
    mutating func finish() throws -> [WireEvent]
}

/// Parses a whole JSON body at the end (non-streaming requests).
package struct WholeBodyParser: ResponseParser {
    let decode: @Sendable (JSONValue) throws -> [WireEvent]
    private var body: [UInt8] = []

    package init(decode: @escaping @Sendable (JSONValue) throws -> [WireEvent]) { self.decode = decode }

    package mutating func feed(_ bytes: [UInt8]) throws -> [WireEvent] {
        body.append(contentsOf: bytes)
        return []
    }

    package mutating func finish() throws -> [WireEvent] {
        try decode(try UpstreamJSON.object(body))
    }
}
