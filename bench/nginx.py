"""Writes the nginx configuration of the benchmark's fast upstream: fixed OpenAI replies,
a chat.completion at /v1/chat/completions and an SSE stream at /sse/v1/chat/completions;
and, over HTTPS with HTTP/2 on a second port (DIR/cert.pem, DIR/key.pem), a stream that
drips a delta every ten seconds for about three minutes at /drip/v1/chat/completions.

usage: nginx.py DIR PORT TLS_PORT -> DIR/nginx.conf
"""
import json, os, sys

directory, port, tls_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
completion = json.dumps({
    "id": "chatcmpl-bench", "object": "chat.completion", "created": 0, "model": "fast",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello from a fast upstream."},
                 "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 5, "completion_tokens": 6, "total_tokens": 11}}, separators=(",", ":"))
chunk = lambda delta, finish=None: "data: " + json.dumps({
    "id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 0, "model": "fast",
    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}, separators=(",", ":")) + "\n\n"
stream = (chunk({"role": "assistant", "content": "Hello"}) + chunk({"content": " from a fast upstream."})
          + chunk({}, "stop")
          + "data: " + json.dumps({"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 0,
                                   "model": "fast", "choices": [],
                                   "usage": {"prompt_tokens": 5, "completion_tokens": 6, "total_tokens": 11}},
                                  separators=(",", ":")) + "\n\n"
          + "data: [DONE]\n\n")
# nginx takes at most 4 KB in one configuration token: 20 deltas, dripped at 20 bytes/s.
drip = chunk({"role": "assistant", "content": ""}) + "".join(chunk({"content": f" w{i:02}"}) for i in range(20))
assert len(drip) < 4000, len(drip)
quote = lambda text: "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
config = f"""
worker_processes 1;
daemon off;
pid {directory}/nginx.pid;
error_log {directory}/nginx-error.log warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    keepalive_requests 10000000;
    keepalive_timeout 300s;
    client_body_temp_path {directory}/nginx-body;
    server {{
        listen 127.0.0.1:{port} reuseport backlog=4096;
        location = /v1/chat/completions {{ default_type application/json; return 200 {quote(completion)}; }}
        location = /sse/v1/chat/completions {{ default_type text/event-stream; return 200 {quote(stream)}; }}
        location = /v1/models {{ default_type application/json; return 200 '{{"object":"list","data":[]}}'; }}
        location = /sse/v1/models {{ default_type application/json; return 200 '{{"object":"list","data":[]}}'; }}
    }}
    server {{
        listen 127.0.0.1:{tls_port} ssl http2 reuseport backlog=4096;
        ssl_certificate {directory}/cert.pem;
        ssl_certificate_key {directory}/key.pem;
        http2_max_concurrent_streams 128;
        location = /drip/v1/chat/completions {{
            default_type text/event-stream; limit_rate_after 400; limit_rate 20; return 200 {quote(drip)};
        }}
    }}
}}
"""
open(os.path.join(directory, "nginx.conf"), "w").write(config)
