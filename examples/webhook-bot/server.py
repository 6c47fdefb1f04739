#!/usr/bin/env python3
"""An example bot for the gateway's bot protocol, version 1 (docs/bot-protocol.md).

Python standard library only. Answers with the user's text reversed, streamed word by
word; when the request offers a `clock` tool it calls it first, then answers with the
tool's result. Run:

    python3 examples/webhook-bot/server.py --port 9100 [--secret S] [--ndjson] [--delay S]

`--broken MODE` makes it break one rule of the protocol on purpose (for `gateway
bot-check`'s own tests): no-completion, wrong-order, ignore-cancel, ignore-deadline.
"""

import argparse
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PROTOCOL_VERSION = "1"
MAX_BODY = 4 << 20


class State:
    """What the handlers share: the options and the number of calls running now."""

    def __init__(self, options):
        self.options = options
        self.lock = threading.Lock()
        self.active = 0

    def change(self, delta):
        with self.lock:
            self.active += delta


class ClientGone(Exception):
    """The gateway closed the request (the client left, or the call was cancelled)."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, chunked answers
    server_version = "example-webhook-bot/1"

    def log_message(self, fmt, *args):  # quiet; never log the secret
        pass

    # -- plumbing ---------------------------------------------------------------------

    @property
    def state(self):
        return self.server.state

    def authorized(self):
        secret = self.state.options.secret
        if not secret:
            return True
        given = self.headers.get("Bot-Secret", "")  # http.server decodes headers as latin-1
        return hmac.compare_digest(given.encode("latin-1", "replace"), secret.encode("latin-1", "replace"))

    def reply_json(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def chunk(self, data):
        try:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError) as error:
            raise ClientGone() from error

    def send_event(self, event):
        line = json.dumps(event, separators=(",", ":")).encode()
        if self.state.options.ndjson:
            self.chunk(line + b"\n")
        else:
            self.chunk(b"event: " + event["type"].encode() + b"\ndata: " + line + b"\n\n")

    # -- routes -----------------------------------------------------------------------

    def do_GET(self):
        if self.path.rstrip("/").endswith("/health"):
            if not self.authorized():
                return self.reply_json(401, {"error": "bad secret"})
            return self.reply_json(200, {"status": "ok", "active_calls": self.state.active})
        self.reply_json(404, {"error": "not found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length <= 0 or length > MAX_BODY:
            self.close_connection = True  # the body is not read: nothing else can follow on this connection
            return self.reply_json(413 if length > MAX_BODY else 400, {"error": "bad body length"})
        raw = self.rfile.read(length)  # read before any answer, so the connection stays usable
        if not self.authorized():
            return self.reply_json(401, {"error": "bad secret"})
        if self.headers.get("Bot-Protocol-Version") != PROTOCOL_VERSION:
            return self.reply_json(400, {"error": "unsupported Bot-Protocol-Version"})
        try:
            request = json.loads(raw)
            messages = request["messages"]
        except (ValueError, KeyError, TypeError):
            return self.reply_json(400, {"error": "not a bot protocol request"})
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson" if self.state.options.ndjson else "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Bot-Protocol-Version", PROTOCOL_VERSION)
        self.end_headers()
        self.state.change(+1)
        try:
            self.answer(request, messages)
            self.chunk(b"")  # the last chunk
        except ClientGone:
            self.close_connection = True
        finally:
            self.state.change(-1)

    # -- the bot ----------------------------------------------------------------------

    def answer(self, request, messages):
        broken = self.state.options.broken
        started = time.monotonic()
        deadline_ms = request.get("deadline_ms")
        deadline = None if deadline_ms is None or broken == "ignore-deadline" else started + deadline_ms / 1000
        slow = request.get("conformance") == "slow"
        last = messages[-1] if messages else {}
        tools = [tool.get("name") for tool in request.get("tools") or []]
        if deadline is not None and time.monotonic() >= deadline:
            return self.send_event({"type": "error", "code": "bot_timeout", "message": "the deadline had passed"})
        if "clock" in tools and last.get("role") == "user" and request.get("tool_choice") != "none":
            self.send_event({"type": "tool-call-delta", "index": 0, "id": "call_clock_1", "name": "clock", "arguments": ""})
            self.send_event({"type": "tool-call-delta", "index": 0, "arguments": "{}"})
            return self.complete("tool_calls", messages, 1)
        if last.get("role") == "tool":
            text = "The time is " + text_of(last)
        else:
            user = next((m for m in reversed(messages) if m.get("role") == "user"), {})
            text = text_of(user)[::-1] or "…"
        words = text.split(" ")
        if slow:  # a slow answer, for the checks of cancellation and deadlines
            words = (words * 80)[:80]
        if broken == "wrong-order":
            self.complete("stop", messages, len(words))
        for index, word in enumerate(words):
            if deadline is not None and time.monotonic() >= deadline:
                return self.send_event({"type": "error", "code": "bot_timeout", "message": "out of time"})
            piece = word if index == 0 else " " + word
            try:
                self.send_event({"type": "text-delta", "text": piece})
            except ClientGone:
                if broken != "ignore-cancel":
                    raise
                time.sleep(10)  # keeps "working" for nobody
                raise
            if slow or self.state.options.delay:
                time.sleep(0.1 if slow else self.state.options.delay)
        if broken in ("no-completion", "wrong-order"):
            return
        self.complete("stop", messages, len(words))

    def complete(self, reason, messages, produced):
        used = sum(len(text_of(m).split()) for m in messages)
        self.send_event({
            "type": "completed", "finish_reason": reason,
            "usage": {"input_tokens": used, "output_tokens": produced},
        })


def text_of(message):
    """The text parts of a message, joined."""
    return "".join(part.get("text", "") for part in message.get("content") or [] if part.get("type") == "text")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--secret", help="require this Bot-Secret header")
    parser.add_argument("--ndjson", action="store_true", help="answer newline-delimited JSON instead of SSE")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds between streamed words")
    parser.add_argument("--broken", choices=["no-completion", "wrong-order", "ignore-cancel", "ignore-deadline"])
    options = parser.parse_args()
    server = ThreadingHTTPServer((options.host, options.port), Handler)
    server.daemon_threads = True
    server.state = State(options)
    print(f"listening on http://{options.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
