import BotKit

/// Turns a typed wire value (`Encodable`, keys as its coding keys say) into a `JSONValue`
/// for BotKit's writer: the typed value is the one source of a body's members, and the
/// bytes come from the same writer as every hand-built event, without Foundation.
///
/// An optional that is nil is left out (as synthesized `Encodable` does), or written as
/// `null` with `nulls: true` (for APIs whose clients expect every member). Integers outside `Int64` and non-finite
/// numbers are refused with `EncodingError.invalidValue`. Dates have no strategy here:
/// encode them as strings.
package enum JSONValueEncoder {
    package static func encode(_ value: some Encodable, nulls: Bool = false) throws -> JSONValue {
        if let json = value as? JSONValue { return json }
        let root = Node(nulls: nulls)
        try value.encode(to: NodeEncoder(node: root, codingPath: []))
        return root.value
    }
}

/// One value being built: set once as a scalar, or filled as an object or an array.
private final class Node {
    /// Nil optionals are written as `null` (else left out).
    let nulls: Bool
    var scalar: JSONValue?
    var members: [String: Node]?
    var items: [Node]?

    init(nulls: Bool) { self.nulls = nulls }

    var value: JSONValue {
        if let members { return .object(members.mapValues(\.value)) }
        if let items { return .array(items.map(\.value)) }
        return scalar ?? .object([:])
    }

    func member(_ key: String) -> Node {
        let child = Node(nulls: nulls)
        if members == nil { members = [:] }
        members![key] = child
        return child
    }

    func item() -> Node {
        let child = Node(nulls: nulls)
        if items == nil { items = [] }
        items!.append(child)
        return child
    }

    /// A scalar, or the value an `Encodable` builds in this node.
    func set(_ value: some Encodable, at path: [any CodingKey]) throws {
        switch value {
        case let json as JSONValue: scalar = json
        case let text as String: scalar = .string(text)
        case let flag as Bool: scalar = .bool(flag)
        case let number as any BinaryInteger:
            guard let exact = Int64(exactly: number) else { throw Self.refused(number, path, "integer too large") }
            scalar = .int(exact)
        case let number as Double:
            guard number.isFinite else { throw Self.refused(number, path, "not a finite number") }
            scalar = .double(number)
        case let number as Float: try set(Double(number), at: path)
        default: try value.encode(to: NodeEncoder(node: self, codingPath: path))
        }
    }

    static func refused(_ value: Any, _ path: [any CodingKey], _ problem: String) -> EncodingError {
        EncodingError.invalidValue(value, .init(codingPath: path, debugDescription: problem))
    }
}

private struct NodeEncoder: Encoder {
    let node: Node
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if node.members == nil { node.members = [:] }
        return KeyedEncodingContainer(KeyedNodeContainer(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if node.items == nil { node.items = [] }
        return UnkeyedNodeContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleNodeContainer(node: node, codingPath: codingPath) }
}

private struct KeyedNodeContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { node.member(key.stringValue).scalar = .null }

    mutating func encode(_ value: some Encodable, forKey key: Key) throws {
        try node.member(key.stringValue).set(value, at: codingPath + [key])
    }

    // Synthesized `Encodable` writes optionals through these: each is a requirement of its
    // own, so each is spelled out (a generic one would not replace the defaults).
    mutating func encodeIfPresent(_ value: (some Encodable)?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try present(value, key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try present(value, key) }

    private mutating func present(_ value: (some Encodable)?, _ key: Key) throws {
        if let value {
            try encode(value, forKey: key)
        } else if node.nulls {
            try encodeNil(forKey: key)
        }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        NodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        NodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        NodeEncoder(node: node.member("super"), codingPath: codingPath)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        NodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key])
    }
}

private struct UnkeyedNodeContainer: UnkeyedEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]
    var count: Int { node.items?.count ?? 0 }

    mutating func encodeNil() throws { node.item().scalar = .null }

    mutating func encode(_ value: some Encodable) throws { try node.item().set(value, at: codingPath) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        NodeEncoder(node: node.item(), codingPath: codingPath).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        NodeEncoder(node: node.item(), codingPath: codingPath).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { NodeEncoder(node: node.item(), codingPath: codingPath) }
}

private struct SingleNodeContainer: SingleValueEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.scalar = .null }

    mutating func encode(_ value: some Encodable) throws { try node.set(value, at: codingPath) }
}
