#if canImport(BotKit)
    import BotKit
#endif

/// The usage blocks upstreams report, read into `TokenUsage`: one place for every wire
/// format, so whatever numbers arrive (negative, huge, fractional, missing, not numbers)
/// are clamped before anything adds them up. Built into the `usage` fuzz target too.
package enum WireUsage {
    /// OpenAI's `usage`: `prompt_tokens`, `completion_tokens` and their details.
    package static func openAI(_ usage: JSONValue?) -> TokenUsage? {
        guard let input = usage?["prompt_tokens"]?.int, let output = usage?["completion_tokens"]?.int else { return nil }
        return TokenUsage(
            inputTokens: input, outputTokens: output, cachedInputTokens: usage?["prompt_tokens_details"]?["cached_tokens"]?.int,
            reasoningTokens: usage?["completion_tokens_details"]?["reasoning_tokens"]?.int)
    }

    /// Anthropic counts cache reads and writes apart from `input_tokens`; the gateway's
    /// input is all three, the reads being its cached part. Clamped before adding, so the
    /// sum cannot overflow.
    package static func anthropic(_ usage: JSONValue?) -> TokenUsage? {
        guard let input = usage?["input_tokens"]?.int, let output = usage?["output_tokens"]?.int else { return nil }
        let read = TokenUsage.clamped(usage?["cache_read_input_tokens"]?.int ?? 0)
        let written = TokenUsage.clamped(usage?["cache_creation_input_tokens"]?.int ?? 0)
        return TokenUsage(
            inputTokens: TokenUsage.clamped(input) + read + written, outputTokens: output,
            cachedInputTokens: usage?["cache_read_input_tokens"] == nil ? nil : read,
            cacheWriteInputTokens: usage?["cache_creation_input_tokens"] == nil ? nil : written)
    }

    /// The bot protocol's `usage` (webhook bots): `input_tokens` and `output_tokens` ≥ 0,
    /// optionally `cached_tokens` and `reasoning_tokens`; nil when it is not that.
    package static func webhook(_ value: JSONValue) -> TokenUsage? {
        guard let input = value["input_tokens"]?.int, let output = value["output_tokens"]?.int, input >= 0, output >= 0 else {
            return nil
        }
        return TokenUsage(
            inputTokens: input, outputTokens: output, cachedInputTokens: value["cached_tokens"]?.int,
            reasoningTokens: value["reasoning_tokens"]?.int)
    }

    /// Ollama's `prompt_eval_count` and `eval_count` on its last line.
    package static func ollama(_ object: JSONValue) -> TokenUsage? {
        guard let input = object["prompt_eval_count"]?.int, let output = object["eval_count"]?.int else { return nil }
        return TokenUsage(inputTokens: input, outputTokens: output)
    }
}
