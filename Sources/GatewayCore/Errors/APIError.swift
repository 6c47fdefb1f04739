import BotKit
import Foundation
import HTTPTypes

/// One item of a 422 body, in pydantic's shape.
public struct ValidationIssue: Encodable, Sendable, Equatable {
    /// A location element: a field name or a byte offset.
    public enum Location: Encodable, Sendable, Equatable {
        case key(String)
        case index(Int)
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .key(let k): try container.encode(k)
            case .index(let i): try container.encode(i)
            }
        }
    }

    public var type: String
    public var loc: [Location]
    public var msg: String
    public var input: JSONValue
    public var ctx: [String: JSONValue]?

    public init(type: String, loc: [Location], msg: String, input: JSONValue, ctx: [String: JSONValue]? = nil) {
        self.type = type
        self.loc = loc
        self.msg = msg
        self.input = input.echoable
        self.ctx = ctx
    }
}

/// An error as the contract renders it: `{"detail": …, "code": …}` with a status and
/// optional headers. Every error the gateway answers with becomes one of these, in
/// `ErrorMiddleware` (the HTTP layer writes the body: `APIError+response.swift`).
public struct APIError: Error, Sendable {
    public enum Detail: Sendable, Equatable {
        case message(String)
        case validation([ValidationIssue])
    }

    public var status: HTTPResponse.Status
    public var detail: Detail
    public var code: String
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ message: String, code: String, headers: HTTPFields = [:]) {
        self.status = status
        self.detail = .message(message)
        self.code = code
        self.headers = headers
    }

    /// A 422 with pydantic-style items.
    public static func validation(_ issues: [ValidationIssue]) -> APIError {
        var error = APIError(.unprocessableContent, "", code: "validation_error")
        error.detail = .validation(issues)
        return error
    }

    /// No bearer token at all.
    public static let notAuthenticated = APIError(
        .unauthorized, "Not authenticated", code: "http_error", headers: [.wwwAuthenticate: "Bearer"])
    /// A bearer token that is invalid, expired, forged, or whose user is gone.
    public static let invalidBearer = APIError(
        .unauthorized, "Authentication required. Please log in or register.", code: "http_error",
        headers: [.wwwAuthenticate: "Bearer"])
    /// Anything unexpected; the cause goes to the log only.
    public static let unexpected = APIError(.internalServerError, "Internal server error", code: "internal_error")
    /// The database could not be reached in time.
    public static let serviceUnavailable = APIError(
        .serviceUnavailable, "Service temporarily unavailable. Please retry shortly.", code: "service_unavailable",
        headers: [.retryAfter: "1"])
}

extension APIError.Detail: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .message(let text): try container.encode(text)
        case .validation(let issues): try container.encode(issues)
        }
    }
}

/// A concern's own error type that knows its contract rendering.
public protocol APIErrorConvertible: Error {
    var apiError: APIError { get }
}
