import Foundation
import GatewayCore
import GatewayDomain
import Hummingbird

/// Encodes a value as a JSON response with a chosen status, snake_case keys as declared.
package struct JSONResponse<Value: Encodable & Sendable>: ResponseGenerator {
    package var status: HTTPResponse.Status = .ok
    package var headers: HTTPFields = [:]
    package let value: Value

    package init(_ value: Value, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) {
        self.value = value
        self.status = status
        self.headers = headers
    }

    /// The same response, marked never to be stored by a browser or proxy cache: for answers
    /// that carry a credential (tokens, a new API key).
    package func secret() -> Self {
        var copy = self
        copy.headers[.cacheControl] = "no-store"
        return copy
    }

    package func response(from request: Request, context: some RequestContext) throws -> Response {
        try response()
    }

    /// The encoded response, outside any request.
    package func response() throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try body())))
    }

    /// The body's bytes: dates in ISO 8601, keys as the type declares them.
    package func body() throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(value)
    }
}
