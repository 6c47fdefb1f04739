import Hummingbird
import Logging

/// Turns every error into the contract's body, in one place: typed errors render
/// themselves, framework errors become `http_error`, an unreachable database 503, and
/// anything else a 500 `internal_error` whose cause is only logged.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    /// Filled once the router holds every route.
    let routes: AllowedMethods
    /// An outage fails every request the same way: logged once per interval, not per request.
    let logs: DampedLog

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as OpenAIError {
            return try error.response(from: request, context: context)
        } catch {
            return try apiError(for: error, request: request, context: context).response(from: request, context: context)
        }
    }

    func apiError(for error: any Error, request: Request, context: Context) -> APIError {
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
        case let error as HTTPError:
            return frameworkError(status: error.status, headers: error.headers, request: request)
        case let error as any HTTPResponseError:
            return frameworkError(status: error.status, headers: [:], request: request)
        case is CancellationError:
            return APIError(.serviceUnavailable, "Request cancelled", code: "http_error")
        default:
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return .unexpected
        }
    }

    private func frameworkError(status: HTTPResponse.Status, headers: HTTPFields, request: Request) -> APIError {
        switch status {
        case .notFound:
            let allowed = routes.methods(matching: request.uri.path)
            if allowed.isEmpty == false {
                let allow = allowed.map(\.rawValue).joined(separator: ", ")
                return APIError(.methodNotAllowed, "Method Not Allowed", code: "http_error", headers: [.allow: allow])
            }
            return APIError(.notFound, "Not Found", code: "http_error")
        case .contentTooLarge:
            return APIError(.contentTooLarge, "Request body too large", code: "http_error")
        default:
            return APIError(status, status.reasonPhrase, code: "http_error", headers: headers)
        }
    }
}
