"""N operations of one kind, one at a time on one connection, for the database scenario of
scripts/bench: `turn` (POST /api/v1/chat continuing one conversation), `v1` (POST
/v1/chat/completions with an API key, the echo bot), `login` (POST /api/v1/users/login).
Usage: dbcost.py PORT KIND N TOKEN_OR_KEY. Prints the count of 200s."""
import http.client
import json
import sys

port, kind, n, credential = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
ok = 0
conversation = None
for i in range(n):
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {credential}"}
    if kind == "turn":
        body = {"message": f"turn {i}: hello, how are you today?"}
        if conversation:
            body["conversation_id"] = conversation
        connection.request("POST", "/api/v1/chat", json.dumps(body), headers)
    elif kind == "v1":
        body = {"model": "default", "messages": [{"role": "user", "content": f"call {i}: hello"}]}
        connection.request("POST", "/v1/chat/completions", json.dumps(body), headers)
    else:
        del headers["Authorization"]
        connection.request("POST", "/api/v1/users/login", credential, headers)
    response = connection.getresponse()
    data = response.read()
    if response.status == 200:
        ok += 1
        if kind == "turn" and conversation is None:
            conversation = json.loads(data)["conversation_id"]
print(ok)
