import Foundation

extension StringProtocol where UTF8View: BidirectionalCollection {
    /// Trims Unicode whitespace and newlines like `trimmingCharacters(in: .whitespacesAndNewlines)`,
    /// without Foundation's bridging when the ends are plain ASCII (the usual case).
    package var trimmedWhitespace: String {
        guard let first = utf8.first, let last = utf8.last else { return "" }
        if Self.isPlainASCII(first), Self.isPlainASCII(last) { return String(self) }
        return trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A printable ASCII byte: neither whitespace nor part of a multi-byte character.
    private static func isPlainASCII(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x7F }
}
