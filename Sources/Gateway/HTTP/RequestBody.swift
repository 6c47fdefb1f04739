import BotKit
import Hummingbird

/// Reads a JSON object body within the size limit and reports problems in the
/// contract's 422 shape; never lets a body cause a 500.
enum RequestBody {
    /// JSON only: `text/plain` and form types are what a cross-site `<form>` can send
    /// without a preflight, so accepting them would let another site sign a browser in
    /// (login CSRF). A request without a `Content-Type` is read as JSON, as FastAPI does.
    static let json: Set<String> = ["application/json"]

    /// The body as a JSON object.
    static func object(_ request: Request, limit: Int) async throws -> [String: JSONValue] {
        try object(from: try await collect(request, limit: limit))
    }

    /// The raw body after the size, media type and emptiness checks.
    static func collect(_ request: Request, limit: Int, accepting mediaTypes: Set<String> = json) async throws -> ByteBuffer {
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
    static func object(from buffer: ByteBuffer) throws -> [String: JSONValue] {
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

/// Collects every field problem of one body, then throws them together as a 422.
struct FieldValidator {
    let body: [String: JSONValue]
    private(set) var issues: [ValidationIssue] = []
    /// Fields whose values are never echoed back (passwords).
    static let secretFields: Set<String> = ["password", "current_password", "new_password"]
    static let redacted = JSONValue.string("**********")

    init(_ body: [String: JSONValue]) { self.body = body }

    /// The body as echoed in `input`, secrets replaced.
    var echoedBody: JSONValue {
        .object(body.reduce(into: [:]) { $0[$1.key] = Self.secretFields.contains($1.key) ? Self.redacted : $1.value })
    }

    private func echo(_ field: String, _ value: JSONValue) -> JSONValue {
        Self.secretFields.contains(field) ? Self.redacted : value
    }

    /// A required string field; records `missing` or `string_type`.
    mutating func requiredString(_ field: String) -> String? {
        guard let value = body[field] else {
            issues.append(.init(type: "missing", loc: [.key("body"), .key(field)], msg: "Field required", input: echoedBody))
            return nil
        }
        return string(field, value)
    }

    /// An optional string field (absent or null is nil).
    mutating func optionalString(_ field: String) -> String? {
        guard let value = body[field], value != .null else { return nil }
        return string(field, value)
    }

    private mutating func string(_ field: String, _ value: JSONValue) -> String? {
        guard case .string(let text) = value else {
            issues.append(
                .init(
                    type: "string_type", loc: [.key("body"), .key(field)], msg: "Input should be a valid string",
                    input: echo(field, value)))
            return nil
        }
        return text
    }

    /// Records a custom validator's failure (`Value error, …`).
    mutating func valueError(_ field: String, _ message: String, input: String) {
        issues.append(
            .init(
                type: "value_error", loc: [.key("body"), .key(field)], msg: "Value error, \(message)",
                input: echo(field, .string(input)),
                ctx: ["error": .object([:])]))
    }

    /// Records any other issue for a field.
    mutating func issue(_ field: String, type: String, _ message: String, input: JSONValue, ctx: [String: JSONValue]? = nil) {
        issues.append(.init(type: type, loc: [.key("body"), .key(field)], msg: message, input: input, ctx: ctx))
    }

    /// The validated values, or the 422 with every recorded issue. Each value is nil only
    /// when its field recorded an issue, so the values come back unwrapped. Compute the
    /// values before this call: its receiver is read before its arguments.
    func finish<each Value>(_ values: repeat (each Value)?) throws -> (repeat each Value) {
        if issues.isEmpty == false { throw APIError.validation(issues) }
        return (repeat try Self.present(each values))
    }

    private static func present<Value>(_ value: Value?) throws -> Value {
        // A field that produced no value without recording an issue is the validator's bug.
        guard let value else { throw APIError.unexpected }
        return value
    }
}
