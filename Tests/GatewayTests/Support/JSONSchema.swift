import Foundation

/// The subset of JSON Schema (2020-12, as OpenAPI 3.1 uses it) the gateway's document
/// uses: `$ref` into the document, `type` (one or several), `enum`, `const`, `properties`,
/// `required`, `additionalProperties`, `items`, `minItems`/`maxItems`, string lengths and
/// `pattern`, numeric bounds, `format` (date, date-time, uuid, email), `oneOf`, `anyOf`,
/// `allOf`. An unknown keyword fails the check, so the validator cannot silently pass.
struct JSONSchema: @unchecked Sendable {
    let document: [String: Any]

    private static let annotations: Set<String> = [
        "description", "title", "example", "examples", "default", "deprecated", "readOnly", "writeOnly",
        "contentMediaType", "discriminator",
    ]

    /// Problems of `value` against `schema`, each with its JSON path.
    func problems(_ value: Any, against schema: Any, at path: String = "$") -> [String] {
        guard let schema = schema as? [String: Any] else {
            return schema as? Bool == false ? ["\(path): no value allowed"] : []
        }
        if let ref = schema["$ref"] as? String {
            guard let target = resolve(ref) else { return ["\(path): unresolvable \(ref)"] }
            return problems(value, against: target, at: path)
        }
        var found: [String] = []
        for (keyword, rule) in schema {
            found += check(keyword, rule, schema: schema, value: value, path: path)
        }
        return found
    }

    func resolve(_ ref: String) -> Any? {
        guard ref.hasPrefix("#/") else { return nil }
        var node: Any? = document
        for part in ref.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(part)] }
        return node
    }

    private func check(_ keyword: String, _ rule: Any, schema: [String: Any], value: Any, path: String) -> [String] {
        switch keyword {
        case "type":
            let allowed = (rule as? [String]) ?? [rule as? String ?? ""]
            return allowed.contains { Self.has(type: $0, value) } ? [] : ["\(path): \(Self.describe(value)) is not \(allowed)"]
        case "enum":
            let options = rule as? [Any] ?? []
            return options.contains { Self.equal($0, value) } ? [] : ["\(path): \(Self.describe(value)) not in enum"]
        case "const":
            return Self.equal(rule, value) ? [] : ["\(path): \(Self.describe(value)) is not \(rule)"]
        case "properties":
            guard let object = value as? [String: Any], let properties = rule as? [String: Any] else { return [] }
            return properties.flatMap { name, sub in object[name].map { problems($0, against: sub, at: "\(path).\(name)") } ?? []
            }
        case "required":
            guard let object = value as? [String: Any] else { return [] }
            return (rule as? [String] ?? []).filter { object[$0] == nil }.map { "\(path): missing required \($0)" }
        case "additionalProperties":
            guard let object = value as? [String: Any] else { return [] }
            let known = Set((schema["properties"] as? [String: Any])?.keys.map { $0 } ?? [])
            return object.filter { known.contains($0.key) == false }.flatMap { name, sub in
                problems(sub, against: rule, at: "\(path).\(name)")
            }
        case "items":
            guard let array = value as? [Any] else { return [] }
            return array.enumerated().flatMap { problems($1, against: rule, at: "\(path)[\($0)]") }
        case "minItems", "maxItems":
            guard let array = value as? [Any], let bound = rule as? Int else { return [] }
            let ok = keyword == "minItems" ? array.count >= bound : array.count <= bound
            return ok ? [] : ["\(path): \(array.count) items breaks \(keyword) \(bound)"]
        case "minLength", "maxLength":
            guard let string = value as? String, let bound = rule as? Int else { return [] }
            let ok = keyword == "minLength" ? string.count >= bound : string.count <= bound
            return ok ? [] : ["\(path): length \(string.count) breaks \(keyword) \(bound)"]
        case "pattern":
            guard let string = value as? String, let pattern = rule as? String else { return [] }
            guard let regex = try? NSRegularExpression(pattern: pattern) else { return ["\(path): bad pattern \(pattern)"] }
            let range = NSRange(string.startIndex..., in: string)
            return regex.firstMatch(in: string, range: range) == nil ? ["\(path): \"\(string)\" does not match \(pattern)"] : []
        case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
            guard let number = Self.number(value), let bound = Self.number(rule) else { return [] }
            let ok =
                switch keyword {
                case "minimum": number >= bound
                case "maximum": number <= bound
                case "exclusiveMinimum": number > bound
                default: number < bound
                }
            return ok ? [] : ["\(path): \(number) breaks \(keyword) \(bound)"]
        case "format":
            guard let string = value as? String, let format = rule as? String else { return [] }
            return Self.matches(format: format, string) ? [] : ["\(path): \"\(string)\" is not a \(format)"]
        case "oneOf":
            let branches = rule as? [Any] ?? []
            let passing = branches.filter { problems(value, against: $0, at: path).isEmpty }.count
            return passing == 1 ? [] : ["\(path): matches \(passing) of oneOf's \(branches.count) branches"]
        case "anyOf":
            let branches = rule as? [Any] ?? []
            return branches.contains { problems(value, against: $0, at: path).isEmpty }
                ? [] : ["\(path): matches no anyOf branch"]
        case "allOf":
            return (rule as? [Any] ?? []).flatMap { problems(value, against: $0, at: path) }
        default:
            return Self.annotations.contains(keyword) || keyword.hasPrefix("x-")
                ? [] : ["\(path): unsupported keyword \(keyword)"]
        }
    }

    static func has(type: String, _ value: Any) -> Bool {
        switch type {
        case "null": return value is NSNull
        case "boolean": return isBool(value)
        case "integer":
            return isBool(value) == false && (value as? NSNumber).map { $0.doubleValue.rounded() == $0.doubleValue } == true
        case "number": return isBool(value) == false && value is NSNumber
        case "string": return value is String
        case "array": return value is [Any]
        case "object": return value is [String: Any]
        default: return false
        }
    }

    private static func isBool(_ value: Any) -> Bool {
        // Foundation boxes JSON booleans in their own NSNumber subclass.
        String(describing: type(of: value)).contains("Boolean") || type(of: value) == Bool.self
    }

    private static func number(_ value: Any) -> Double? {
        isBool(value) ? nil : (value as? NSNumber)?.doubleValue
    }

    private static func equal(_ a: Any, _ b: Any) -> Bool {
        if let a = a as? String, let b = b as? String { return a == b }
        if isBool(a) || isBool(b) { return isBool(a) && isBool(b) && (a as? Bool) == (b as? Bool) }
        if let a = number(a), let b = number(b) { return a == b }
        return a is NSNull && b is NSNull
    }

    private static func matches(format: String, _ string: String) -> Bool {
        let patterns = [
            "date": #"^\d{4}-\d{2}-\d{2}$"#,
            "date-time": #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"#,
            "uuid": #"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"#,
            "email": #"^[^@\s]+@[^@\s]+$"#,
        ]
        guard let pattern = patterns[format] else { return true }
        return string.range(of: pattern, options: .regularExpression) != nil
    }

    static func describe(_ value: Any) -> String {
        guard JSONSerialization.isValidJSONObject([value]),
            let data = try? JSONSerialization.data(withJSONObject: [value], options: [.fragmentsAllowed])
        else { return "\(value)" }
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast().prefix(120))
    }
}
