"""Time to first token of streamed chat completions, sequentially, direct or via the gateway.

usage: ttft.py URL PATH BODY_JSON TOKEN COUNT MARKER -> prints p50/p99 in ms as JSON
"""
import http.client, json, sys, time, urllib.parse

url, path, body, token, count, marker = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6]
parsed = urllib.parse.urlparse(url)
connection = http.client.HTTPConnection(parsed.hostname, parsed.port)
headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
if token:
    headers["Authorization"] = "Bearer " + token
samples = []
for _ in range(count):
    start = time.perf_counter()
    connection.request("POST", path, body=body, headers=headers)
    response = connection.getresponse()
    seen = b""
    first = None
    while True:
        chunk = response.read1(4096)
        if not chunk:
            break
        seen += chunk
        if first is None and marker.encode() in seen:
            first = time.perf_counter() - start
    response.read()  # a Content-Length body is only marked finished by a read at its end
    if response.status != 200 or first is None:
        print(json.dumps({"errors": 1, "status": response.status}))
        sys.exit(0)
    samples.append(first * 1000)
samples.sort()
print(json.dumps({"p50_ms": round(samples[len(samples) // 2], 3), "p99_ms": round(samples[int(len(samples) * 0.99) - 1], 3), "errors": 0}))
