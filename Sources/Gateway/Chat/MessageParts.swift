import BotKit

/// What a stored message carries beyond its text (the `messages.parts` JSON): a user
/// message's images — URLs, and base64 data up to a size, larger ones only counted — and
/// an assistant message's tool calls. Nil when there is nothing beyond text.
enum MessageParts {
    /// The JSON text stored for a message's images and tool calls (nil: plain text).
    static func encode(images: [ImagePart], toolCalls: [ToolCall], maxImageBytes: Int) -> String? {
        guard images.isEmpty == false || toolCalls.isEmpty == false else { return nil }
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
        return String(decoding: JSONValue.object(parts).jsonBytes, as: UTF8.self)
    }

    /// A stored message back as the bot is sent it; what cannot be read is left out.
    static func decode(_ text: String?, role: ChatRole, content: String) -> ChatMessage {
        var message = ChatMessage(role: role, content: content)
        guard let text, let parts = try? JSONReader.parse(Array(text.utf8)) else { return message }
        message.images = (parts["images"]?.array ?? []).compactMap { $0.string.flatMap(ImagePart.init(url:)) }
        message.toolCalls = (parts["tool_calls"]?.array ?? []).compactMap { call in
            guard let id = call["id"]?.string, let name = call["name"]?.string, let arguments = call["arguments"]?.string else {
                return nil
            }
            return ToolCall(id: id, name: name, arguments: arguments)
        }
        return message
    }
}
