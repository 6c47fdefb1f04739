/// Text made safe for HTML (element content and quoted attribute values).
struct HTML: CustomStringConvertible, Sendable, ExpressibleByStringInterpolation {
    /// Markup, trusted as is.
    let description: String

    init(stringLiteral value: String) { description = value }

    init(raw: String) { description = raw }

    init(stringInterpolation: Interpolation) { description = stringInterpolation.text }

    struct Interpolation: StringInterpolationProtocol {
        var text = ""
        init(literalCapacity: Int, interpolationCount: Int) { text.reserveCapacity(literalCapacity * 2) }
        mutating func appendLiteral(_ literal: String) { text += literal }
        /// Untrusted text: escaped.
        mutating func appendInterpolation(_ value: some CustomStringConvertible) { text += HTML.escape(value.description) }
        /// Markup built by `HTML`: kept.
        mutating func appendInterpolation(_ html: HTML) { text += html.description }
        mutating func appendInterpolation(_ parts: [HTML]) { text += parts.map(\.description).joined() }
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\0": out += "\u{FFFD}"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
