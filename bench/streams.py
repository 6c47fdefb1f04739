"""Holds N concurrent streamed chats through the gateway and samples its memory and threads.

usage: streams.py PORT TOKEN N GATEWAY_PID BOT [API] -> prints one JSON line
API: `chat` (POST /api/v1/chat/stream, the default) or `v1` (POST /v1/chat/completions, streamed).
"""
import asyncio, json, sys, time

port, token, count, pid, bot = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
api = sys.argv[6] if len(sys.argv) > 6 else "chat"
if api == "v1":
    path, first = "/v1/chat/completions", b'"content":" w'
    body = json.dumps({"model": bot, "stream": True, "messages": [{"role": "user", "content": "hold this stream"}]}).encode()
else:
    path, first = "/api/v1/chat/stream", b"event: delta"
    body = json.dumps({"message": "hold this stream", "bot": bot}).encode()
request = (
    f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
).encode() + body


def status(field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field):
            return int(line.split()[1])
    return 0


async def stream(started, failures):
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        await writer.drain()
        data = b""
        while first not in data:
            chunk = await asyncio.wait_for(reader.read(4096), 30)
            if not chunk:
                raise RuntimeError("closed early: " + data[:200].decode(errors="replace"))
            data += chunk
        started.append(1)
        return writer
    except Exception as error:  # noqa: BLE001 - every failure is counted
        failures.append(str(error))
        return None


async def main():
    started, failures = [], []
    t0 = time.monotonic()
    writers = []
    for i in range(0, count, 200):
        writers += await asyncio.gather(*(stream(started, failures) for _ in range(min(200, count - i))))
    ramp = time.monotonic() - t0
    await asyncio.sleep(2)
    rss_kb, anon_kb, threads = status("VmRSS:"), status("RssAnon:"), status("Threads:")
    for writer in writers:
        if writer:
            writer.close()
    print(json.dumps({"n": count, "api": api, "streaming": len(started), "errors": len(failures), "rss_mb": round(rss_kb / 1024, 1),
                      "anon_mb": round(anon_kb / 1024, 1),
                      "threads": threads, "ramp_s": round(ramp, 2), "first_error": failures[0] if failures else None}))


asyncio.run(main())
