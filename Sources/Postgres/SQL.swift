/// A statement whose parameters are written where they are used:
/// `"SELECT id FROM users WHERE email = \(email)"` sends `$1` and `email` apart, so a
/// value can never become SQL and a placeholder can never point at the wrong column.
/// Fragments compose with `\(fragment)` and are numbered when the statement is rendered;
/// `\(raw:)` splices trusted SQL text (table names, fragments built from constants).
public struct SQL: ExpressibleByStringInterpolation, Sendable {
    package enum Piece: Sendable {
        case text(String)
        case parameter(any SQLEncodable)
        case fragment(SQL)
    }

    package var pieces: [Piece]

    public init(stringLiteral value: String) { pieces = [.text(value)] }

    public init(stringInterpolation: Interpolation) { pieces = stringInterpolation.pieces }

    public struct Interpolation: StringInterpolationProtocol {
        package var pieces: [Piece] = []

        public init(literalCapacity: Int, interpolationCount: Int) { pieces.reserveCapacity(interpolationCount * 2 + 1) }

        public mutating func appendLiteral(_ literal: String) { pieces.append(.text(literal)) }

        /// A value, sent as a parameter.
        public mutating func appendInterpolation(_ value: some SQLEncodable) { pieces.append(.parameter(value)) }

        /// A value that may be absent, sent as a parameter (NULL when nil).
        public mutating func appendInterpolation<Value: SQLEncodable>(_ value: Value?) { pieces.append(.parameter(value)) }

        /// A nested statement, its parameters renumbered in place.
        public mutating func appendInterpolation(_ fragment: SQL) { pieces.append(.fragment(fragment)) }

        /// Trusted SQL text, never a value from a request.
        public mutating func appendInterpolation(raw text: String) { pieces.append(.text(text)) }
    }

    /// Fragments separated by commas.
    public static func list(_ fragments: [SQL]) -> SQL {
        SQL(
            pieces: fragments.enumerated().flatMap { index, fragment in
                (index == 0 ? [] : [Piece.text(", ")]) + [Piece.fragment(fragment)]
            })
    }

    package init(pieces: [Piece]) { self.pieces = pieces }

    /// The text with `$1…$n` and the parameters' text forms in that order.
    public var rendered: (text: String, parameters: [String?]) {
        var text = ""
        var parameters: [String?] = []
        render(into: &text, &parameters)
        return (text, parameters)
    }

    private func render(into text: inout String, _ parameters: inout [String?]) {
        for piece in pieces {
            switch piece {
            case .text(let literal): text += literal
            case .parameter(let value):
                parameters.append(value.postgresText)
                text += "$\(parameters.count)"
            case .fragment(let fragment): fragment.render(into: &text, &parameters)
            }
        }
    }
}
