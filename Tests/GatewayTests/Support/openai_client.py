"""Drives a running gateway with the official `openai` package: list models, complete,
stream, an image to a bot that takes images (and to one that does not: 400), a JSON-schema
response from a bot with structured output, a streamed tool call and a tool round trip,
then exhaust the per-minute quota and expect
openai.RateLimitError.

usage: openai_client.py BASE_URL API_KEY
"""
import sys

import openai

client = openai.OpenAI(base_url=sys.argv[1], api_key=sys.argv[2], max_retries=0)
models = [model.id for model in client.models.list()]
assert "default" in models, models
completion = client.chat.completions.create(model="default", messages=[{"role": "user", "content": "hello sdk"}])
assert completion.choices[0].message.content == "hello sdk", completion
assert completion.usage.completion_tokens == 2, completion.usage
text = ""
for chunk in client.chat.completions.create(
        model="default", messages=[{"role": "user", "content": "stream me"}], stream=True,
        stream_options={"include_usage": True}):
    if chunk.choices and chunk.choices[0].delta.content:
        text += chunk.choices[0].delta.content
assert text == "stream me", text
seen = client.chat.completions.create(model="eyes", messages=[{"role": "user", "content": [
    {"type": "text", "text": "what is this?"},
    {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]}])
assert seen.choices[0].message.content == "1 image(s): data:image/png;base64,iVBORw0KGgo=", seen
shaped = client.chat.completions.create(model="form", messages=[{"role": "user", "content": "json please"}],
    response_format={"type": "json_schema", "json_schema": {"name": "answer", "strict": True, "schema": {
        "type": "object", "properties": {"format": {"type": "string"}}, "required": ["format"]}}})
assert shaped.choices[0].message.content == '{"format":"json_schema:answer:true"}', shaped
tools = [{"type": "function", "function": {"name": "lookup", "description": "Looks things up",
                                           "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}}]
question = {"role": "user", "content": "find cats"}
calls, finish = {}, None
for chunk in client.chat.completions.create(model="toolsy", messages=[question], tools=tools, stream=True):
    choice = chunk.choices[0]
    for piece in choice.delta.tool_calls or []:
        call = calls.setdefault(piece.index, {"id": None, "name": None, "arguments": ""})
        call["id"] = piece.id or call["id"]
        call["name"] = (piece.function.name if piece.function else None) or call["name"]
        call["arguments"] += (piece.function.arguments or "") if piece.function else ""
    finish = choice.finish_reason or finish
assert finish == "tool_calls", finish
assert calls == {0: {"id": "call_42", "name": "lookup", "arguments": '{"q":"find cats"}'}}, calls
first = client.chat.completions.create(model="toolsy", messages=[question], tools=tools, tool_choice="required")
call = first.choices[0].message.tool_calls[0]
assert (call.id, call.function.name, call.function.arguments) == ("call_42", "lookup", '{"q":"find cats"}'), first
assert first.choices[0].finish_reason == "tool_calls" and first.choices[0].message.content is None, first
second = client.chat.completions.create(model="toolsy", tools=tools, messages=[
    question, first.choices[0].message.model_dump(exclude_none=True),
    {"role": "tool", "tool_call_id": call.id, "content": "3 cats"}])
assert second.choices[0].message.content == "result: 3 cats for call_42", second
vectors = client.embeddings.create(model="default", input=["one text", "another text"])
assert [item.index for item in vectors.data] == [0, 1] and len(vectors.data[0].embedding) == 16, vectors
try:
    client.chat.completions.create(model="default", messages=[{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]}])
    raise SystemExit("expected BadRequestError")
except openai.BadRequestError as error:
    assert "images" in error.message, error.message
try:
    # The quota counts per clock minute: more than two minutes' worth, so a minute that
    # turns during the loop cannot hide the limit.
    for _ in range(25):
        client.chat.completions.create(model="default", messages=[{"role": "user", "content": "again"}])
    raise SystemExit("expected a RateLimitError")
except openai.RateLimitError as error:
    assert error.response.headers.get("retry-after"), error.response.headers
print("openai client: ok")
