import BotKit
import GatewayCore
import GatewayDomain

extension MessagesRequest {
    /// A message's content: a string, or blocks — `text` (joined with newlines), `image`
    /// (base64 or URL sources), an assistant's `tool_use` and a user's `tool_result`; any
    /// other block type is a 400. Each block may carry `cache_control`: a text block keeps
    /// its own, a marked tool result its own, a marked image or tool call marks the message.
    package struct Blocks {
        package var texts: [TextBlock] = []
        package var images: [ImagePart] = []
        package var toolCalls: [ToolCall] = []
        package var results: [(id: String, text: String, cache: CacheControl?)] = []
        /// A marked image or tool_use: a breakpoint after the message.
        package var cache: CacheControl?

        package var isTextOnly: Bool { images.isEmpty && toolCalls.isEmpty && results.isEmpty && cache == nil }
        /// The text blocks joined by newlines.
        package var text: String { texts.map(\.text).joined(separator: "\n") }

        package init(_ value: JSONValue, at path: String) throws {
            switch value {
            case .string(let text): texts = [TextBlock(text)]
            case .array(let blocks):
                for (number, block) in blocks.enumerated() {
                    let at = "\(path).\(number)"
                    guard case .object(let fields) = block, case .string(let type)? = fields["type"] else {
                        throw invalid("\(at): a content block with a type")
                    }
                    let cache = try MessagesRequest.cacheControl(fields["cache_control"], at: "\(at).cache_control")
                    switch type {
                    case "text":
                        guard case .string(let text)? = fields["text"] else { throw invalid("\(at).text: a string") }
                        texts.append(TextBlock(text, cache: cache))
                    case "image":
                        images.append(try image(fields["source"], at: "\(at).source"))
                        self.cache = cache ?? self.cache
                    case "tool_use":
                        guard case .string(let id)? = fields["id"], id.isEmpty == false, case .string(let name)? = fields["name"],
                            case .object? = fields["input"]
                        else { throw invalid("\(at): a tool_use with an id, a name and an input object") }
                        let input = String(decoding: fields["input"]!.jsonBytes, as: UTF8.self)
                        toolCalls.append(ToolCall(id: id, name: name, arguments: input))
                        self.cache = cache ?? self.cache
                    case "tool_result":
                        guard case .string(let id)? = fields["tool_use_id"], id.isEmpty == false else {
                            throw invalid("\(at).tool_use_id: the id of the tool_use it answers")
                        }
                        var result = ""
                        // A marked block inside the result marks the result.
                        var marked = cache
                        if let content = fields["content"], content != .null {
                            let inner = try Blocks(content, at: "\(at).content")
                            guard inner.isTextOnly else { throw invalid("\(at).content: text only") }
                            result = inner.text
                            marked = marked ?? inner.texts.last { $0.cache != nil }?.cache
                        }
                        if fields["is_error"] == .bool(true) { result = "Error: " + result }
                        results.append((id, result, marked))
                    default:
                        throw invalid("\(at).type: text, image, tool_use or tool_result (not \(type))")
                    }
                }
            default:
                throw invalid("\(path): a string or an array of content blocks")
            }
        }

        /// The messages these blocks make: tool results first (each its own `tool`
        /// message), then the text, images and calls, when there are any.
        package func messages(role: ChatRole) throws -> [ChatMessage] {
            if role == .user, toolCalls.isEmpty == false { throw invalid("tool_use blocks belong in assistant messages") }
            if role == .assistant, results.isEmpty == false { throw invalid("tool_result blocks belong in user messages") }
            if role == .assistant, images.isEmpty == false { throw invalid("image blocks belong in user messages") }
            var out = results.map { ChatMessage(role: .tool, blocks: [TextBlock($0.text)], toolCallID: $0.id, cache: $0.cache) }
            if results.isEmpty || text.isEmpty == false || images.isEmpty == false || toolCalls.isEmpty == false {
                out.append(
                    ChatMessage(
                        role: role, blocks: texts, images: images, toolCalls: role == .assistant ? toolCalls : [], cache: cache))
            }
            return out
        }

        /// An image block's source: `{"type": "base64", "media_type", "data"}` or
        /// `{"type": "url", "url"}`.
        private func image(_ source: JSONValue?, at path: String) throws -> ImagePart {
            guard case .object(let fields)? = source else { throw invalid("\(path): an object") }
            switch fields["type"] {
            case .string("base64")?:
                guard case .string(let mediaType)? = fields["media_type"], mediaType.hasPrefix("image/"),
                    case .string(let data)? = fields["data"], data.isEmpty == false
                else { throw invalid("\(path): media_type image/… and non-empty base64 data") }
                return .data(mediaType: mediaType, base64: data)
            case .string("url")?:
                guard case .string(let url)? = fields["url"], case .url? = ImagePart(url: url) else {
                    throw invalid("\(path).url: an https URL")
                }
                return .url(url)
            default:
                throw invalid("\(path).type: base64 or url")
            }
        }
    }

    /// `tools` (custom tools: a name, a description, an `input_schema` object) and
    /// `tool_choice` (`auto`, `any`, `tool` with a name, `none`).
    package static func tools(_ body: ShapedBody) throws -> ([ToolDefinition], ToolChoice) {
        var tools: [ToolDefinition] = []
        switch body["tools"] {
        case nil, .null?: break
        case .array(let items)?:
            tools = try items.enumerated().map { index, item in
                guard case .object(let tool) = item, case .string(let name)? = tool["name"], (1...64).contains(name.count),
                    tool["type"] == nil || tool["type"] == .string("custom")
                else { throw invalid("tools.\(index): a custom tool with a name of 1 to 64 characters") }
                let schema = tool["input_schema"] ?? ["type": "object"]
                guard case .object = schema else { throw invalid("tools.\(index).input_schema: an object") }
                return ToolDefinition(
                    name: name, description: tool["description"]?.string, parameters: schema,
                    cache: try cacheControl(tool["cache_control"], at: "tools.\(index).cache_control"))
            }
        default: throw invalid("tools: an array")
        }
        let choice: ToolChoice
        switch body["tool_choice"] {
        case nil, .null?: choice = .auto
        case .object(let fields)?:
            switch fields["type"] {
            case .string("auto")?: choice = .auto
            case .string("none")?: choice = .none
            case .string("any")?: choice = .required
            case .string("tool")?:
                guard case .string(let name)? = fields["name"], tools.contains(where: { $0.name == name }) else {
                    throw invalid("tool_choice.name: a tool in `tools`")
                }
                choice = .named(name)
            default: throw invalid("tool_choice.type: auto, any, tool or none")
            }
        default: throw invalid("tool_choice: an object")
        }
        if choice == .required, tools.isEmpty { throw invalid("tool_choice: `any` needs `tools`") }
        return (tools, choice)
    }

    /// A block's or tool's `cache_control`: absent, null, or `{"type": "ephemeral"}` with an
    /// optional `ttl` of `5m` or `1h`.
    package static func cacheControl(_ value: JSONValue?, at path: String) throws -> CacheControl? {
        guard let value, value != .null else { return nil }
        guard let cache = CacheControl(json: value) else {
            throw invalid(#"\#(path): {"type": "ephemeral"} with an optional ttl of 5m or 1h"#)
        }
        return cache
    }
}
