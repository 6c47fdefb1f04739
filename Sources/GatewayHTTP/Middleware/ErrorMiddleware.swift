import GatewayCore
import GatewayDomain
import Hummingbird
import Logging
import Postgres

/// Turns every error into the contract's body, in one place: typed errors render
/// themselves, framework errors become `http_error`, an unreachable database 503, and
/// anything else a 500 `internal_error` whose cause is only logged.
package struct ErrorMiddleware: RouterMiddleware {
    package typealias Context = AppRequestContext
    /// Filled once the router holds every route.
    package let routes: AllowedMethods
    /// An outage fails every request the same way: logged once per interval, not per request.
    package let logs: DampedLog

    package init(routes: AllowedMethods, logs: DampedLog) {
        self.routes = routes
        self.logs = logs
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as OpenAIError {
            return try error.response(from: request, context: context)
        } catch let error as AnthropicError {
            return try error.response(from: request, context: context)
        } catch {
            return try apiError(for: error, request: request, context: context).response(from: request, context: context)
        }
    }

    package func apiError(for error: any Error, request: Request, context: Context) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as any APIErrorConvertible:
            return error.apiError
        case let error as DatabaseError where error.isUnavailable:
            logs.error("database unavailable", error: error)
            return .serviceUnavailable
        case DatabaseError.nulCharacter:
            return APIError(.badRequest, "Text must not contain NUL characters.", code: "http_error")
        case let error as any HTTPResponseError where error.status == .notFound:
            return notFound(request)
        default:
            if let framework = APIError.framework(error) { return framework }
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return .unexpected
        }
    }

    /// 405 with `Allow` for a path that exists under other methods, else 404.
    private func notFound(_ request: Request) -> APIError {
        let allowed = routes.methods(matching: request.uri.path)
        guard allowed.isEmpty == false else { return APIError(.notFound, "Not Found", code: "http_error") }
        let allow = allowed.map(\.rawValue).joined(separator: ", ")
        return APIError(.methodNotAllowed, "Method Not Allowed", code: "http_error", headers: [.allow: allow])
    }
}

extension APIError {
    /// An error of the framework or the runtime (a body over the limit, a cancelled
    /// request) as the contract's `http_error`; nil for anything else. `/v1` renders the
    /// same values in OpenAI's shape.
    package static func framework(_ error: any Error) -> APIError? {
        switch error {
        case is CancellationError:
            return APIError(.serviceUnavailable, "Request cancelled", code: "http_error")
        case let error as any HTTPResponseError where error.status == .contentTooLarge:
            return APIError(.contentTooLarge, "Request body too large", code: "http_error")
        case let error as HTTPError:
            return APIError(error.status, error.status.reasonPhrase, code: "http_error", headers: error.headers)
        case let error as any HTTPResponseError:
            return APIError(error.status, error.status.reasonPhrase, code: "http_error")
        default:
            return nil
        }
    }
}
