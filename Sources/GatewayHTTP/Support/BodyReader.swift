import BotKit
import BoundedJSON
import GatewayCore
import GatewayDomain
import Hummingbird

/// Reads a JSON object body within the size limit and reports problems in the
/// contract's 422 shape; never lets a body cause a 500.
package enum BodyReader {
    /// JSON only: `text/plain` and form types are what a cross-site `<form>` can send
    /// without a preflight, so accepting them would let another site sign a browser in
    /// (login CSRF). A request without a `Content-Type` is read as JSON, as FastAPI does.
    package static let json: Set<String> = ["application/json"]

    /// The body as a JSON object.
    package static func object(_ request: Request, limit: Int) async throws -> [String: JSONValue] {
        try object(from: try await collect(request, limit: limit))
    }

    /// The raw body after the size, media type and emptiness checks.
    package static func collect(_ request: Request, limit: Int, accepting mediaTypes: Set<String> = json) async throws
        -> ByteBuffer
    {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw HTTPError(.contentTooLarge)
        }
        if let type = request.headers[.contentType]?.split(separator: ";").first?.trimmedWhitespace
            .lowercased(), type.isEmpty == false,
            mediaTypes.contains(type) == false, mediaTypes != json || type.hasSuffix("+json") == false
        {
            throw APIError(
                .unsupportedMediaType, "Unsupported media type; send \(mediaTypes.sorted().joined(separator: " or "))",
                code: "http_error")
        }
        let buffer = try await request.body.collect(upTo: limit)
        if buffer.readableBytes == 0 {
            throw APIError.validation([
                ValidationIssue(type: "missing", loc: [.key("body")], msg: "Field required", input: .null)
            ])
        }
        return buffer
    }

    /// A collected body parsed as a JSON object, or the contract's 422 naming the problem
    /// and its byte offset (as FastAPI does). `JSONReader` bounds depth and size and runs
    /// in linear time, so this is safe before authentication and throttling.
    package static func object(from buffer: ByteBuffer) throws -> [String: JSONValue] {
        let parsed = buffer.withUnsafeReadableBytes { raw in
            Result { () throws(JSONReader.Failure) in try JSONReader.parse(raw.assumingMemoryBound(to: UInt8.self)) }
        }
        let value: JSONValue
        switch parsed {
        case .success(let parsedValue): value = parsedValue
        case .failure(let error):
            throw APIError.validation([
                ValidationIssue(
                    type: "json_invalid", loc: [.key("body"), .index(error.offset)], msg: "JSON decode error",
                    input: .object([:]), ctx: ["error": .string(error.reason)])
            ])
        }
        guard case .object(let object) = value else {
            throw APIError.validation([
                ValidationIssue(
                    type: "model_attributes_type", loc: [.key("body")],
                    msg: "Input should be a valid dictionary or object to extract fields from", input: value)
            ])
        }
        return object
    }
}
