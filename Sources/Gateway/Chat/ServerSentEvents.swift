import Foundation
import NIOCore

/// Encodes Server-Sent Events: `event: <name>` and one `data:` line of JSON.
enum ServerSentEvent {
    static func encode(_ name: String, _ payload: some Encodable) -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(payload)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return ByteBuffer(string: "event: \(name)\ndata: \(json)\n\n")
    }

    /// Payload of `start`.
    struct Start: Encodable {
        let conversation_id: String
        let message_id: String
        let bot: String
    }

    /// Payload of `delta`.
    struct Delta: Encodable {
        let text: String
    }

    /// Payload of `end`.
    struct End: Encodable {
        let finish_reason: String
        let usage: Usage?
        let bot: String
    }

    /// Payload of `error`.
    struct Failure: Encodable {
        let code: String
        let message: String
        let suggestions: [String]?
    }

    struct Usage: Encodable {
        let input_tokens: Int
        let output_tokens: Int
    }
}
