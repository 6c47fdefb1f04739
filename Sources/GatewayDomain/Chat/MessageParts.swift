import BotKit
import BoundedJSON
import GatewayCore

/// What a stored message row carries beyond its text (the `messages.parts` JSON): a user
/// row's images — URLs, and base64 data up to a size, larger ones only counted — and the
/// tool results sent with it, and an assistant row's tool calls. Nil when there is nothing
/// beyond text, so rows the reference service reads stay plain `user`/`assistant` text.
package enum MessageParts {
    /// The JSON text stored for the messages one row holds: tool results (role `tool`),
    /// then the message itself with its images or tool calls (nil: plain text).
    package static func encode(_ messages: [ChatMessage], maxImageBytes: Int) -> String? {
        let images = messages.flatMap(\.images)
        let toolCalls = messages.flatMap(\.toolCalls)
        let results = messages.filter { $0.role == .tool }
        guard images.isEmpty == false || toolCalls.isEmpty == false || results.isEmpty == false else { return nil }
        var parts: [String: JSONValue] = [:]
        let kept = images.filter { image in
            if case .data(_, let base64) = image { return base64.utf8.count <= maxImageBytes }
            return true
        }
        if kept.isEmpty == false { parts["images"] = .array(kept.map { .string($0.url) }) }
        if kept.count < images.count { parts["images_omitted"] = .int(Int64(images.count - kept.count)) }
        if toolCalls.isEmpty == false {
            parts["tool_calls"] = .array(
                toolCalls.map { ["id": .string($0.id), "name": .string($0.name), "arguments": .string($0.arguments)] })
        }
        if results.isEmpty == false {
            parts["tool_results"] = .array(
                results.map { ["tool_call_id": .string($0.toolCallID ?? ""), "content": .string($0.content)] })
        }
        return String(decoding: JSONValue.object(parts).jsonBytes, as: UTF8.self)
    }

    /// A stored row back as the bot is sent it: its tool results, then its message (left
    /// out when it is an empty user message that only carried results). What cannot be
    /// read is left out.
    package static func decode(_ text: String?, role: ChatRole, content: String) -> [ChatMessage] {
        var message = ChatMessage(role: role, content: content)
        guard let text, let parts = try? JSONReader.parse(Array(text.utf8)) else { return [message] }
        message.images = (parts["images"]?.array ?? []).compactMap { $0.string.flatMap(ImagePart.init(url:)) }
        message.toolCalls = (parts["tool_calls"]?.array ?? []).compactMap { call in
            guard let id = call["id"]?.string, let name = call["name"]?.string, let arguments = call["arguments"]?.string else {
                return nil
            }
            return ToolCall(id: id, name: name, arguments: arguments)
        }
        let results: [ChatMessage] = (parts["tool_results"]?.array ?? []).compactMap { result in
            guard let id = result["tool_call_id"]?.string, let content = result["content"]?.string else { return nil }
            return ChatMessage(role: .tool, content: content, toolCallID: id)
        }
        let onlyResults = results.isEmpty == false && role == .user && content.isEmpty && message.images.isEmpty
        return results + (onlyResults ? [] : [message])
    }

    /// The context made whole for a model: tool results whose call is not before them (cut
    /// off by the context window) are left out, and so are calls no result answers (the
    /// user moved on) and an assistant message that was only such calls; models refuse
    /// either. A call answered twice (results sent again after a failed turn) keeps its
    /// last result.
    package static func answerable(_ messages: [ChatMessage]) -> [ChatMessage] {
        let answered = Set(messages.compactMap { $0.role == .tool ? $0.toolCallID : nil })
        var lastResult: [String: Int] = [:]
        for (index, message) in messages.enumerated() where message.role == .tool {
            if let id = message.toolCallID { lastResult[id] = index }
        }
        var called: Set<String> = []
        var kept: [ChatMessage] = []
        for (index, var message) in messages.enumerated() {
            if message.role == .tool {
                guard let id = message.toolCallID, called.contains(id), lastResult[id] == index else { continue }
            } else if message.toolCalls.isEmpty == false {
                message.toolCalls = message.toolCalls.filter { answered.contains($0.id) }
                called.formUnion(message.toolCalls.map(\.id))
                if message.toolCalls.isEmpty, message.content.isEmpty { continue }
            }
            kept.append(message)
        }
        return kept
    }
}
