import BotKit
import BoundedJSON

/// Upstream bodies are read with `BoundedJSON`'s `JSONReader`, leniently: deep enough for any
/// real reply, NUL kept and broken text replaced rather than refused.
package enum UpstreamJSON {
    package static let limits = JSONReader.Limits(maxDepth: 128, strictText: false)

    /// The reply (or SSE event, or NDJSON line) as a JSON object.
    package static func object(_ bytes: some Collection<UInt8>) throws -> JSONValue {
        let value: JSONValue
        do { value = try JSONReader.parse(bytes, limits: limits) } catch { throw WireError.malformed("\(error)") }
        guard case .object = value else { throw WireError.malformed("not a JSON object") }
        return value
    }

    package static func object(_ text: String) throws -> JSONValue { try object(Array(text.utf8)) }
}
