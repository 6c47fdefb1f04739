"""Drives a running gateway's Responses API with the official `openai` package: a plain
answer, instructions and message items, a stream read by the SDK's helper and raw (numbered
events), a function tool round trip through `previous_response_id`, `text.format`
json_schema, `retrieve`, `input_items.list`, `delete`, and the SDK's errors for an unknown
parameter, an unknown model and an unknown response.

usage: responses_client.py BASE_URL API_KEY
"""
import sys

import openai

client = openai.OpenAI(base_url=sys.argv[1], api_key=sys.argv[2], max_retries=0)

plain = client.responses.create(model="default", input="hello responses")
assert plain.output_text == "hello responses", plain
assert plain.status == "completed" and plain.id.startswith("resp_"), plain
assert plain.usage.output_tokens == 2 and plain.usage.total_tokens >= 2, plain.usage
items = client.responses.create(model="default", instructions="be brief", store=False, input=[
    {"role": "user", "content": "earlier"},
    {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "noted", "annotations": []}],
     "id": "msg_x", "status": "completed"},
    {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "from parts"}]}])
assert items.output_text == "from parts" and items.instructions == "be brief", items

text, kinds = "", []
with client.responses.stream(model="default", input="stream me please") as stream:
    for event in stream:
        kinds.append(event.type)
        if event.type == "response.output_text.delta":
            text += event.delta
    final = stream.get_final_response()
assert text == "stream me please" and final.output_text == text, (text, final)
assert kinds[:4] == ["response.created", "response.in_progress", "response.output_item.added",
                     "response.content_part.added"], kinds
assert kinds[-4:] == ["response.output_text.done", "response.content_part.done", "response.output_item.done",
                      "response.completed"], kinds
numbers = [event.sequence_number for event in client.responses.create(model="default", input="one two", stream=True)]
assert numbers == list(range(len(numbers))), numbers

tools = [{"type": "function", "name": "lookup", "description": "Looks things up",
          "parameters": {"type": "object", "properties": {"q": {"type": "string"}}}}]
first = client.responses.create(model="toolsy", input="find cats", tools=tools)
calls = [item for item in first.output if item.type == "function_call"]
assert [(c.call_id, c.name, c.arguments) for c in calls] == [("call_42", "lookup", '{"q":"find cats"}')], first
streamed_calls = {}
for event in client.responses.create(model="toolsy", input="find dogs", tools=tools, store=False, stream=True):
    if event.type == "response.output_item.done" and event.item.type == "function_call":
        streamed_calls[event.item.call_id] = event.item.arguments
assert streamed_calls == {"call_42": '{"q":"find dogs"}'}, streamed_calls
second = client.responses.create(model="toolsy", previous_response_id=first.id, tools=tools, input=[
    {"type": "function_call_output", "call_id": "call_42", "output": "3 cats"}])
assert second.output_text == "result: 3 cats for call_42", second
assert second.previous_response_id == first.id, second

again = client.responses.retrieve(second.id)
assert again.id == second.id and again.output_text == second.output_text and again.status == "completed", again
listed = client.responses.input_items.list(second.id)
assert [(item.type, item.call_id, item.output) for item in listed.data] == [
    ("function_call_output", "call_42", "3 cats")], listed
asked = client.responses.input_items.list(first.id, order="asc")
assert [item.content[0].text for item in asked.data] == ["find cats"], asked

shaped = client.responses.create(model="form", input="json please", text={"format": {
    "type": "json_schema", "name": "answer", "strict": True,
    "schema": {"type": "object", "properties": {"format": {"type": "string"}}, "required": ["format"]}}})
assert shaped.output_text == '{"format":"json_schema:answer:true"}', shaped

client.responses.delete(second.id)
try:
    client.responses.retrieve(second.id)
    raise AssertionError("a deleted response was read")
except openai.NotFoundError:
    pass
try:
    client.responses.create(model="default", input="x", reasoning={"effort": "low"})
    raise AssertionError("an unknown parameter was accepted")
except openai.BadRequestError as error:
    assert error.param == "reasoning", error.body
try:
    client.responses.create(model="nobody", input="x")
    raise AssertionError("an unknown model answered")
except openai.NotFoundError as error:
    assert error.code == "model_not_found", error.body
print("responses: ok")
