"""Both official SDKs through the gateway to HTTP bots whose upstream is a model on
loopback (OpenAI's wire for bot `up`, Anthropic's for bot `claude`): tools (streamed and a
round trip), images and JSON output, across both ingress APIs.

usage: sdk_through_httpbot.py GATEWAY_URL API_KEY
"""
import sys

import anthropic
import openai

base, key = sys.argv[1], sys.argv[2]
oa = openai.OpenAI(base_url=base + "/v1", api_key=key, max_retries=0)
tools = [{"type": "function", "function": {"name": "lookup", "parameters": {
    "type": "object", "properties": {"q": {"type": "string"}}}}}]
question = {"role": "user", "content": "find cats"}
for model in ["up", "claude"]:
    calls = {}
    for chunk in oa.chat.completions.create(model=model, messages=[question], tools=tools, stream=True):
        for piece in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
            call = calls.setdefault(piece.index, {"name": None, "arguments": ""})
            call["name"] = (piece.function.name if piece.function else None) or call["name"]
            call["arguments"] += (piece.function.arguments or "") if piece.function else ""
    assert calls == {0: {"name": "lookup", "arguments": '{"q":"find cats"}'}}, (model, calls)
    first = oa.chat.completions.create(model=model, messages=[question], tools=tools)
    call = first.choices[0].message.tool_calls[0]
    assert first.choices[0].finish_reason == "tool_calls", (model, first)
    second = oa.chat.completions.create(model=model, tools=tools, messages=[
        question, first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "3 cats"}])
    assert second.choices[0].message.content == "result: 3 cats", (model, second)
    seen = oa.chat.completions.create(model=model, messages=[{"role": "user", "content": [
        {"type": "text", "text": "what is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]}])
    assert seen.choices[0].message.content == "I see 1 image(s)", (model, seen)
shaped = oa.chat.completions.create(model="up", messages=[question], response_format={
    "type": "json_schema", "json_schema": {"name": "answer", "schema": {"type": "object"}}})
assert shaped.choices[0].message.content == '{"answer":"json"}', shaped
assert shaped.usage.prompt_tokens_details.cached_tokens == 3, shaped.usage

an = anthropic.Anthropic(base_url=base, api_key=key, max_retries=0)
atools = [{"name": "lookup", "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}}}]
for model in ["claude", "up"]:
    with an.messages.stream(model=model, max_tokens=64, tools=atools, messages=[question]) as stream:
        streamed = stream.get_final_message()
    use = next(block for block in streamed.content if block.type == "tool_use")
    assert (use.name, use.input, streamed.stop_reason) == ("lookup", {"q": "find cats"}, "tool_use"), (model, streamed)
    answer = an.messages.create(model=model, max_tokens=64, tools=atools, messages=[
        question, {"role": "assistant", "content": streamed.content},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "3 cats"}]}])
    assert answer.content[0].text == "result: 3 cats", (model, answer)
    seen = an.messages.create(model=model, max_tokens=64, messages=[{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
        {"type": "text", "text": "what is this?"}]}])
    assert seen.content[0].text == "I see 1 image(s)", (model, seen)

# Token counts: Anthropic's own count through an Anthropic-format bot, the gateway's
# estimate for any other.
counted = an.messages.with_raw_response.count_tokens(
    model="claude", system="Be brief.", tools=atools, messages=[question])
assert counted.parse().input_tokens == 4242 and counted.headers["x-token-count-source"] == "upstream", counted
estimated = an.messages.with_raw_response.count_tokens(model="up", messages=[question])
assert 0 < estimated.parse().input_tokens < 64 and estimated.headers["x-token-count-source"] == "estimate", estimated

# The Responses API through both wire formats: a function tool round trip by
# previous_response_id, then a streamed answer.
rtools = [{"type": "function", "name": "lookup", "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}]
for model in ["up", "claude"]:
    first = oa.responses.create(model=model, input="find cats", tools=rtools)
    call = next(item for item in first.output if item.type == "function_call")
    assert (call.name, call.arguments) == ("lookup", '{"q":"find cats"}'), (model, first)
    second = oa.responses.create(model=model, previous_response_id=first.id, tools=rtools, input=[
        {"type": "function_call_output", "call_id": call.call_id, "output": "3 cats"}])
    assert second.output_text == "result: 3 cats", (model, second)
    with oa.responses.stream(model=model, input="what is this?", store=False) as stream:
        final = stream.get_final_response()
    assert final.output_text and final.status == "completed", (model, final)
print("sdks through httpbot: ok")
