import GatewayCore
import GatewayDomain
import GatewayHTTP

/// Text made safe for HTML (element content and quoted attribute values).
package struct HTML: CustomStringConvertible, Sendable, ExpressibleByStringInterpolation {
    /// Markup, trusted as is.
    package let description: String

    package init(stringLiteral value: String) { description = value }

    package init(raw: String) { description = raw }

    package init(stringInterpolation: Interpolation) { description = stringInterpolation.text }

    package struct Interpolation: StringInterpolationProtocol {
        package var text = ""
        package init(literalCapacity: Int, interpolationCount: Int) { text.reserveCapacity(literalCapacity * 2) }
        package mutating func appendLiteral(_ literal: String) { text += literal }
        /// Untrusted text: escaped.
        package mutating func appendInterpolation(_ value: some CustomStringConvertible) {
            text += HTML.escape(value.description)
        }
        /// Markup built by `HTML`: kept.
        package mutating func appendInterpolation(_ html: HTML) { text += html.description }
        package mutating func appendInterpolation(_ parts: [HTML]) { text += parts.map(\.description).joined() }
    }

    package static func escape(_ text: String) -> String {
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
