import BotKit

/// The members of one kind of request body: the one list its parser reads and the OpenAPI
/// schema named `schema` documents (`WireShapeUnitTests` holds the document to it, member
/// by member, and debug builds stop a parser that reads a member not listed).
package struct BodyShape: Sendable {
    /// The name of the body's schema under `components.schemas` in `openapi.json`.
    package let schema: String
    package let members: Set<String>

    package init(_ schema: String, _ members: Set<String>) {
        self.schema = schema
        self.members = members
    }
}

/// A request body read as its shape: reading a member the shape does not list is the
/// parser's bug, stopped in debug builds (free in release ones).
package struct ShapedBody {
    package let shape: BodyShape
    package let members: [String: JSONValue]

    package init(shape: BodyShape, members: [String: JSONValue]) {
        self.shape = shape
        self.members = members
    }

    package subscript(_ member: String) -> JSONValue? {
        assert(shape.members.contains(member), "\(shape.schema) does not list \(member)")
        return members[member]
    }
}

/// Collects every field problem of one body, then throws them together as a 422.
package struct FieldValidator {
    package let body: ShapedBody
    package private(set) var issues: [ValidationIssue] = []
    /// Fields whose values are never echoed back (passwords).
    package static let secretFields: Set<String> = ["password", "current_password", "new_password"]
    package static let redacted = JSONValue.string("**********")

    package init(_ body: [String: JSONValue], shape: BodyShape) { self.body = ShapedBody(shape: shape, members: body) }

    /// The body as echoed in `input`, secrets replaced.
    package var echoedBody: JSONValue {
        .object(
            body.members.reduce(into: [:]) { $0[$1.key] = Self.secretFields.contains($1.key) ? Self.redacted : $1.value })
    }

    private func echo(_ field: String, _ value: JSONValue) -> JSONValue {
        Self.secretFields.contains(field) ? Self.redacted : value
    }

    /// A required string field; records `missing` or `string_type`.
    package mutating func requiredString(_ field: String) -> String? {
        guard let value = body[field] else {
            issues.append(.init(type: "missing", loc: [.key("body"), .key(field)], msg: "Field required", input: echoedBody))
            return nil
        }
        return string(field, value)
    }

    /// An optional string field (absent or null is nil).
    package mutating func optionalString(_ field: String) -> String? {
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
    package mutating func valueError(_ field: String, _ message: String, input: String) {
        issues.append(
            .init(
                type: "value_error", loc: [.key("body"), .key(field)], msg: "Value error, \(message)",
                input: echo(field, .string(input)),
                ctx: ["error": .object([:])]))
    }

    /// Records any other issue for a field.
    package mutating func issue(
        _ field: String, type: String, _ message: String, input: JSONValue, ctx: [String: JSONValue]? = nil
    ) {
        issues.append(.init(type: type, loc: [.key("body"), .key(field)], msg: message, input: input, ctx: ctx))
    }

    /// The validated values, or the 422 with every recorded issue. Each value is nil only
    /// when its field recorded an issue, so the values come back unwrapped. Compute the
    /// values before this call: its receiver is read before its arguments.
    package func finish<each Value>(_ values: repeat (each Value)?) throws -> (repeat each Value) {
        if issues.isEmpty == false { throw APIError.validation(issues) }
        return (repeat try Self.present(each values))
    }

    private static func present<Value>(_ value: Value?) throws -> Value {
        // A field that produced no value without recording an issue is the validator's bug.
        guard let value else { throw APIError.unexpected }
        return value
    }
}
