import BotKit
import Foundation
import GatewayCore
import GatewayDomain
import Hummingbird

/// An error in OpenAI's shape, `{"error": {"message", "type", "code"}}`, with OpenAI's
/// status codes, so SDK retry logic works on `/v1`.
package struct OpenAIError: Error, HTTPResponseError {
    package var status: HTTPResponse.Status
    package var message: String
    package var type: String
    package var code: String
    package var headers: HTTPFields = [:]
    /// The request member at fault, when one is.
    package var param: String? = nil

    package func response(from request: Request, context: some RequestContext) throws -> Response {
        let body: JSONValue = [
            "error": [
                "message": .string(message), "type": .string(type), "code": .string(code),
                "param": param.map(JSONValue.string) ?? .null,
            ]
        ]
        var headers = self.headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body.jsonBytes)))
    }

    /// The OpenAI rendering of any error the gateway throws.
    package static func from(_ error: any Error) -> OpenAIError? {
        switch error {
        case let error as OpenAIError:
            return error
        case let error as BotError:
            return from(error)
        case ChatError.unknownBot(let name):
            return OpenAIError(
                status: .notFound, message: "The model `\(name.prefix(64))` does not exist. See GET /v1/models.",
                type: "invalid_request_error", code: "model_not_found")
        case ChatError.botNotAllowed(let name):
            return OpenAIError(
                status: .forbidden, message: "This API key may not use the model `\(name)`.", type: "permission_error",
                code: "model_not_allowed")
        case ChatError.unsupported(let bot, let missing, _):
            return OpenAIError(
                status: .badRequest,
                message: "Model `\(bot)` does not support \(ChatError.names(missing)) (its bot lacks the capability).",
                type: "invalid_request_error", code: "unsupported_capability")
        case let error as APIError:
            return from(error)
        case let error as any APIErrorConvertible:
            return from(error.apiError)
        default:
            return nil
        }
    }

    /// A gateway error in OpenAI's shape: its status (a 422 becomes OpenAI's 400), its
    /// code (`invalid_api_key` for a 401), its headers (`Retry-After`), and the type
    /// OpenAI gives that status.
    package static func from(_ error: APIError) -> OpenAIError {
        let message: String
        switch error.detail {
        case .message(let text): message = text
        case .validation(let issues):
            message = issues.map { "\($0.loc.last.map { "\($0)" } ?? "body"): \($0.msg)" }.joined(separator: "; ")
        }
        switch error.status {
        case .unauthorized:
            return OpenAIError(
                status: .unauthorized, message: message, type: "invalid_request_error", code: "invalid_api_key",
                headers: error.headers)
        case .unprocessableContent:
            return OpenAIError(status: .badRequest, message: message, type: "invalid_request_error", code: "invalid_request")
        default:
            let type =
                error.status == .tooManyRequests
                ? "rate_limit_error" : (error.status.code >= 500 ? "server_error" : "invalid_request_error")
            return OpenAIError(status: error.status, message: message, type: type, code: error.code, headers: error.headers)
        }
    }

    package static func from(_ error: BotError) -> OpenAIError {
        switch error {
        case .rateLimited(let after):
            var headers: HTTPFields = [:]
            if let after { headers[.retryAfter] = String(after) }
            return OpenAIError(
                status: .tooManyRequests, message: error.safeMessage, type: "rate_limit_error", code: error.code, headers: headers
            )
        case .timeout:
            return OpenAIError(status: .gatewayTimeout, message: error.safeMessage, type: "server_error", code: error.code)
        case .rejected:
            return OpenAIError(status: .badRequest, message: error.safeMessage, type: "invalid_request_error", code: error.code)
        case .unavailable, .upstreamFailure:
            return OpenAIError(
                status: .serviceUnavailable, message: error.safeMessage, type: "server_error", code: error.code,
                headers: [.retryAfter: "1"])
        }
    }
}

/// Renders every error of the `/v1` routes in OpenAI's shape: its own renderings first
/// (a bot's errors, an unknown model), else the gateway's mapping in OpenAI's shape.
package struct OpenAIErrorMiddleware: RouterMiddleware {
    package typealias Context = AppRequestContext
    package let errors: ErrorMiddleware

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            throw OpenAIError.from(error) ?? OpenAIError.from(errors.apiError(for: error, request: request, context: context))
        }
    }
}
