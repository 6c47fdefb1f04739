/// A one-dimensional array parameter in PostgreSQL's text form (`{"a","b",NULL}`), so a
/// statement can take many rows at once through `unnest($1::text[], …)`.
public struct PostgresArray: SQLEncodable {
    package let elements: [String?]

    /// The elements' own text forms; nil elements become NULL.
    public init(_ values: [any SQLEncodable]) {
        self.elements = values.map(\.postgresText)
    }

    public var postgresText: String? {
        var text = "{"
        for (index, element) in elements.enumerated() {
            if index > 0 { text += "," }
            guard let element else {
                text += "NULL"
                continue
            }
            text += "\""
            for character in element.unicodeScalars {
                if character == "\"" || character == "\\" { text.unicodeScalars.append("\\") }
                text.unicodeScalars.append(character)
            }
            text += "\""
        }
        return text + "}"
    }
}
