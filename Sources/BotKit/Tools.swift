/// A function the model may call: its name, what it does, and its arguments' JSON Schema.
public struct ToolDefinition: Sendable, Equatable {
    public var name: String
    public var description: String?
    public var parameters: JSONValue
    /// A cache breakpoint after this definition (the tools come first in a prompt).
    public var cache: CacheControl?

    public init(
        name: String, description: String? = nil, parameters: JSONValue = ["type": "object"], cache: CacheControl? = nil
    ) {
        self.name = name
        self.description = description
        self.parameters = parameters
        self.cache = cache
    }
}

/// Whether and which tool the model must call.
public enum ToolChoice: Sendable, Equatable {
    case auto
    case none
    case required
    case named(String)
}

/// A call the model made: its id (for the result), the tool's name, its JSON arguments.
public struct ToolCall: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// A piece of a tool call as the model streams it: the call's position (`index`), its id
/// and name (in the call's first piece), and a fragment of its JSON arguments.
public struct ToolCallDelta: Sendable, Equatable {
    public var index: Int
    public var id: String?
    public var name: String?
    public var arguments: String

    public init(index: Int, id: String? = nil, name: String? = nil, arguments: String = "") {
        self.index = index
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// Puts streamed tool-call pieces back together, by index.
public struct ToolCallAssembler: Sendable {
    private var byIndex: [Int: ToolCall] = [:]
    public init() {}

    /// Adds a piece in place (appending to the stored call's arguments, not to a copy, so
    /// a long argument streamed in small pieces costs linear time).
    public mutating func add(_ delta: ToolCallDelta) {
        if byIndex[delta.index] == nil { byIndex[delta.index] = ToolCall(id: "", name: "", arguments: "") }
        if let id = delta.id, id.isEmpty == false { byIndex[delta.index]!.id = id }
        if let name = delta.name, name.isEmpty == false { byIndex[delta.index]!.name = name }
        byIndex[delta.index]!.arguments += delta.arguments
    }

    /// The calls so far, in index order.
    public var calls: [ToolCall] { byIndex.keys.sorted().map { byIndex[$0]! } }

    /// The call of one index so far.
    public func call(index: Int) -> ToolCall? { byIndex[index] }
}
