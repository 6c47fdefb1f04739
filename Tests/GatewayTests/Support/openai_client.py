"""Drives a running gateway with the official `openai` package: list models, complete,
stream, then exhaust the per-minute quota and expect openai.RateLimitError.

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
try:
    for _ in range(10):
        client.chat.completions.create(model="default", messages=[{"role": "user", "content": "again"}])
    raise SystemExit("expected a RateLimitError")
except openai.RateLimitError as error:
    assert error.response.headers.get("retry-after"), error.response.headers
print("openai client: ok")
