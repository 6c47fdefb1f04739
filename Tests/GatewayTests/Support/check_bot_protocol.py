"""Validates the bot protocol's messages against docs/bot-protocol/*.schema.json: a request
the gateway built (argv[3]), the example bot's events for it (with and without its tools)
and its health answer. Exits non-zero naming the first message that does not conform."""

import json
import sys
import urllib.request

import jsonschema

schemas, url, request_path = sys.argv[1], sys.argv[2], sys.argv[3]


def validator(name):
    with open(f"{schemas}/{name}.schema.json") as file:
        schema = json.load(file)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


request_schema, event_schema, health_schema = validator("request"), validator("event"), validator("health")
with open(request_path) as file:
    request = json.load(file)
request_schema.validate(request)
without_tools = {key: value for key, value in request.items() if key not in ("tools", "tool_choice")}
request_schema.validate(without_tools)

seen = set()
for body in (request, without_tools):
    post = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Bot-Protocol-Version": "1"})
    with urllib.request.urlopen(post, timeout=10) as answer:
        for line in answer.read().decode().splitlines():
            if line.startswith("data:"):
                event = json.loads(line[5:])
                event_schema.validate(event)
                seen.add(event["type"])
for bad in ({"type": "error", "code": "nope"}, {"type": "text-delta"}, {"no": "type"}):
    if event_schema.is_valid(bad):
        sys.exit(f"event schema accepts {bad}")
if seen != {"text-delta", "tool-call-delta", "completed"}:
    sys.exit(f"saw events {sorted(seen)}")
with urllib.request.urlopen(url + "/health", timeout=10) as answer:
    health_schema.validate(json.load(answer))
print("conforms")
