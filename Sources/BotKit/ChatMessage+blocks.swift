extension ChatMessage {
    /// A message whose text comes in blocks: `content` is their texts joined by newlines;
    /// the blocks themselves are kept (`textBlocks`) only when one carries a cache breakpoint,
    /// so a message without markers is exactly what it was before markers existed.
    public init(
        role: ChatRole, blocks: [TextBlock], images: [ImagePart] = [], toolCalls: [ToolCall] = [],
        toolCallID: String? = nil, cache: CacheControl? = nil
    ) {
        self.init(
            role: role, content: blocks.map(\.text).joined(separator: "\n"), images: images, toolCalls: toolCalls,
            toolCallID: toolCallID)
        if blocks.contains(where: { $0.cache != nil }) { textBlocks = blocks }
        self.cache = cache
    }

    /// Whether the message carries any cache breakpoint.
    public var isCacheMarked: Bool { cache != nil || textBlocks.contains { $0.cache != nil } }

    /// Its text as blocks: `textBlocks`, or `content` as one block (none when empty).
    public var blocks: [TextBlock] {
        if textBlocks.isEmpty == false { return textBlocks }
        return content.isEmpty ? [] : [TextBlock(content)]
    }
}
