"""Prompt caching through the gateway with the official SDKs: Anthropic's cache_control
markers (system blocks, a tool, a text block, a tool result; on /v1/messages, and on
/v1/chat/completions and /v1/responses content parts) for an Anthropic-format bot, and
OpenAI's prompt_cache_key for an OpenAI-format bot. The Swift test then reads what the
model received.

usage: prompt_cache_client.py GATEWAY_URL API_KEY
"""
import sys

import anthropic
import openai

base, key = sys.argv[1], sys.argv[2]
eph = {"type": "ephemeral"}
an = anthropic.Anthropic(base_url=base, api_key=key, max_retries=0)
answer = an.messages.create(
    model="claude", max_tokens=64,
    system=[{"type": "text", "text": "long system prompt", "cache_control": eph}, {"type": "text", "text": "today"}],
    tools=[{"name": "lookup", "input_schema": {"type": "object"}, "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
    messages=[
        {"role": "user", "content": [{"type": "text", "text": "find cats", "cache_control": eph},
                                     {"type": "text", "text": "quickly"}]},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {"q": "cats"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "3 cats",
                                      "cache_control": eph}]},
    ])
assert answer.content[0].text == "result: 3 cats", answer
# The cache's reads and writes, apart from the other input tokens, as Anthropic reports them.
usage = answer.usage
assert (usage.input_tokens, usage.cache_read_input_tokens, usage.cache_creation_input_tokens) == (9, 5, 7), usage

oa = openai.OpenAI(base_url=base + "/v1", api_key=key, max_retries=0)
marked = oa.chat.completions.create(model="claude", messages=[
    {"role": "system", "content": [{"type": "text", "text": "long system prompt", "cache_control": eph}]},
    {"role": "user", "content": "hi"}])
assert marked.usage.prompt_tokens == 21 and marked.usage.prompt_tokens_details.cached_tokens == 5, marked.usage
# A tool result whose text part is marked marks its tool_result block.
tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
called = oa.chat.completions.create(model="claude", tools=tools, messages=[
    {"role": "user", "content": "find cats"},
    {"role": "assistant", "content": None, "tool_calls": [
        {"id": "toolu_9", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}]},
    {"role": "tool", "tool_call_id": "toolu_9", "content": [{"type": "text", "text": "3 cats", "cache_control": eph}]}])
assert called.choices[0].message.content == "result: 3 cats", called
keyed = oa.chat.completions.create(model="up", messages=[{"role": "user", "content": "hi"}],
                                   extra_body={"prompt_cache_key": "tenant-7"})
assert keyed.choices[0].message.content == "echo: hi", keyed
response = oa.responses.create(model="claude", input=[{"role": "user", "content": [
    {"type": "input_text", "text": "long prefix", "cache_control": eph}, {"type": "input_text", "text": "hi"}]}])
assert response.usage.input_tokens == 21 and response.usage.input_tokens_details.cached_tokens == 5, response.usage
echoed = oa.responses.create(model="up", input="hi", extra_body={"prompt_cache_key": "tenant-8"})
assert echoed.prompt_cache_key == "tenant-8", echoed
print("prompt cache: ok")
