import BotKit
import GatewayCore
import GatewayDomain

extension ToolDefinition {
    /// A tool's name: 1 to 64 ASCII letters, digits, `_` or `-` (what every model API takes).
    package static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.count)
            && name.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-")
            }
    }
}

/// The chat API's optional tool fields: `tools` (`{name, description?, parameters?}`),
/// `tool_choice` (`auto`, `none`, `required` or `{"name"}`) and `tool_results`
/// (`{tool_call_id, content}` answering the conversation's last reply's tool calls).
extension ChatController {
    package static let maxTools = 64

    package static func tools(_ value: JSONValue?, _ validator: inout FieldValidator) -> [ToolDefinition] {
        guard let value, value != .null else { return [] }
        let rule = "Input should be a list of at most 64 tools: {name, description?, parameters?}"
        guard case .array(let items) = value, items.count <= maxTools else {
            validator.issue("tools", type: "list_type", rule, input: value)
            return []
        }
        var tools: [ToolDefinition] = []
        for item in items {
            guard case .object(let tool) = item, case .string(let name)? = tool["name"], ToolDefinition.isValidName(name),
                Self.isOptional(tool["description"], { if case .string = $0 { true } else { false } }),
                Self.isOptional(tool["parameters"], { if case .object = $0 { true } else { false } })
            else {
                validator.valueError(
                    "tools",
                    "Each tool needs a name of 1 to 64 letters, digits, _ or -, an optional description and an optional JSON Schema object of parameters.",
                    input: item.string ?? "")
                return []
            }
            let parameters = tool["parameters"].flatMap { $0 == .null ? nil : $0 }
            tools.append(
                ToolDefinition(
                    name: name, description: tool["description"]?.string,
                    parameters: parameters ?? ["type": "object", "properties": [:]]))
        }
        return tools
    }

    /// True when `value` is absent, null, or of the kind `matches` accepts.
    private static func isOptional(_ value: JSONValue?, _ matches: (JSONValue) -> Bool) -> Bool {
        guard let value, value != .null else { return true }
        return matches(value)
    }

    package static func toolChoice(_ value: JSONValue?, tools: [ToolDefinition], _ validator: inout FieldValidator) -> ToolChoice
    {
        let choice: ToolChoice?
        switch value {
        case nil, .null?, .string("auto")?: choice = .auto
        case .string("none")?: choice = ToolChoice.none
        case .string("required")?: choice = tools.isEmpty ? nil : .required
        case .object(let named)?:
            choice = named["name"]?.string.flatMap { name in tools.contains { $0.name == name } ? .named(name) : nil }
        default: choice = nil
        }
        guard let choice else {
            validator.valueError(
                "tool_choice", "Tool choice must be auto, none, required (with tools) or {\"name\"} of a tool in `tools`.",
                input: value?.string ?? "")
            return .auto
        }
        return choice
    }

    /// Most bytes of one tool result (it is stored and replayed with every later turn).
    package static let maxToolResultBytes = 32 * 1024

    package static func toolResults(_ value: JSONValue?, _ validator: inout FieldValidator) -> [ChatMessage] {
        guard let value, value != .null else { return [] }
        var results: [ChatMessage] = []
        if case .array(let items) = value, items.count <= maxTools {
            for item in items {
                guard case .string(let id)? = item["tool_call_id"], (1...256).contains(id.utf8.count),
                    case .string(let content)? = item["content"], content.utf8.count <= maxToolResultBytes,
                    id.utf8.contains(0) == false, content.utf8.contains(0) == false
                else { break }
                results.append(ChatMessage(role: .tool, content: content, toolCallID: id))
            }
            if results.count == items.count { return results }
        }
        validator.issue(
            "tool_results", type: "list_type",
            "Input should be a list of at most 64 results: {tool_call_id, content}, strings without NUL, content at most 32 KiB",
            input: value)
        return []
    }
}
