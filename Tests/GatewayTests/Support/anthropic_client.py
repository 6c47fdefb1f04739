"""Drives a running gateway with the official `anthropic` package on POST /v1/messages:
a message, a streamed message (events and the final message), an image to a bot that
takes images, a tool round trip (whole and streamed tool_use), an unknown model (404 NotFoundError), an image to one that does not (400
BadRequestError naming the capability), and a bad key (401 AuthenticationError).

usage: anthropic_client.py BASE_URL API_KEY
"""
import sys

import anthropic

client = anthropic.Anthropic(base_url=sys.argv[1], api_key=sys.argv[2], max_retries=0)
message = client.messages.create(
    model="default", max_tokens=64, system="Be brief.", messages=[{"role": "user", "content": "hello claude sdk"}])
assert message.content[0].type == "text" and message.content[0].text == "hello claude sdk", message
assert message.stop_reason == "end_turn", message
assert message.usage.output_tokens == 3, message.usage
assert message.id.startswith("msg_"), message.id

with client.messages.stream(model="default", max_tokens=64, messages=[{"role": "user", "content": "stream me please"}]) as stream:
    text = "".join(stream.text_stream)
    final = stream.get_final_message()
assert text == "stream me please", text
assert final.stop_reason == "end_turn" and final.content[0].text == "stream me please", final
assert final.usage.output_tokens == 3, final.usage

seen = client.messages.create(model="eyes", max_tokens=8, messages=[{"role": "user", "content": [
    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
    {"type": "text", "text": "what is this?"}]}])
assert seen.content[0].text == "1 image(s): data:image/png;base64,iVBORw0KGgo=", seen

tools = [{"name": "lookup", "description": "Looks things up",
          "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}}}]
question = {"role": "user", "content": "find cats"}
first = client.messages.create(model="toolsy", max_tokens=64, tools=tools, messages=[question])
use = next(block for block in first.content if block.type == "tool_use")
assert (use.id, use.name, use.input) == ("call_42", "lookup", {"q": "find cats"}), first
assert first.stop_reason == "tool_use", first
with client.messages.stream(model="toolsy", max_tokens=64, tools=tools, messages=[question],
                            tool_choice={"type": "any"}) as stream:
    streamed = stream.get_final_message()
streamed_use = next(block for block in streamed.content if block.type == "tool_use")
assert streamed_use.input == {"q": "find cats"} and streamed.stop_reason == "tool_use", streamed
answer = client.messages.create(model="toolsy", max_tokens=64, tools=tools, messages=[
    question, {"role": "assistant", "content": first.content},
    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "3 cats"}]}])
assert answer.content[0].text == "result: 3 cats for call_42", answer

try:
    client.messages.create(model="nope", max_tokens=8, messages=[{"role": "user", "content": "x"}])
    raise SystemExit("expected NotFoundError")
except anthropic.NotFoundError as error:
    assert error.body["error"]["type"] == "not_found_error", error.body

try:
    client.messages.create(model="default", max_tokens=8, messages=[{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
        {"type": "text", "text": "what is this?"}]}])
    raise SystemExit("expected BadRequestError")
except anthropic.BadRequestError as error:
    assert "images" in error.body["error"]["message"], error.body

try:
    anthropic.Anthropic(base_url=sys.argv[1], api_key="gwk_wrong", max_retries=0).messages.create(
        model="default", max_tokens=8, messages=[{"role": "user", "content": "x"}])
    raise SystemExit("expected AuthenticationError")
except anthropic.AuthenticationError as error:
    assert error.body["type"] == "error" and error.body["error"]["type"] == "authentication_error", error.body
print("anthropic client: ok")
