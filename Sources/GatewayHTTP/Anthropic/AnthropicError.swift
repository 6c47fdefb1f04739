import BotKit
import GatewayCore
import GatewayDomain
import Hummingbird

/// An error in Anthropic's shape, `{"type": "error", "error": {"type", "message"}}`, with
/// the status and error type Anthropic's SDK expects (its retries key on them).
package struct AnthropicError: Error, HTTPResponseError {
    package var status: HTTPResponse.Status
    package var type: String
    package var message: String
    package var headers: HTTPFields = [:]

    /// The Anthropic rendering of an error already mapped for `/v1` (status, headers).
    package init(_ error: OpenAIError) {
        status = error.status
        message = error.message
        headers = error.headers
        type = Self.type(for: error.status)
    }

    package static func type(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 503, 529: "overloaded_error"
        case 500...: "api_error"
        default: "invalid_request_error"
        }
    }

    package var body: JSONValue { ["type": "error", "error": ["type": .string(type), "message": .string(message)]] }

    package func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body.jsonBytes)))
    }
}

/// Renders every error of `POST /v1/messages` in Anthropic's shape: the OpenAI-compatible
/// routes' mapping (`OpenAIErrorMiddleware`), then Anthropic's body for its status.
package struct AnthropicErrorMiddleware: RouterMiddleware {
    package typealias Context = AppRequestContext
    package let errors: ErrorMiddleware

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await OpenAIErrorMiddleware(errors: errors).handle(request, context: context, next: next)
        } catch let error as OpenAIError {
            throw AnthropicError(error)
        }
    }
}
