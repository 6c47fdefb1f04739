# The proxy path, sourced by scripts/bench: POST /v1/chat/completions with an API key
# (quotas off) through the gateway to nginx, against nginx directly, in the same run.
# Figures: req/s and latency at 32 connections and at 1, streamed and not; the gateway's
# CPU per proxied call; the upstream connections it opened; time to first token.

# cpu_ticks PID: user + system clock ticks the process has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# upstream_connections BOT: the gateway's count of connections the bot opened.
upstream_connections() {
    curl -fs -u bench:bench "http://127.0.0.1:$gw_port/metrics" |
        awk -v bot="$1" '$1 == "gateway_bot_upstream_connections_total{bot=\"" bot "\"}" {print $2}'
}

proxy_bench() {
    echo "==> proxy (nginx upstream on loopback, /v1/chat/completions with an API key, quotas off)"
    local v1 direct ticks_before ticks_after requests conns_before conns_after hz
    key=$(curl -fs -X POST "$api/users/me/api-keys" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d '{"name":"bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
    v1="http://127.0.0.1:$gw_port/v1/chat/completions"
    direct="http://127.0.0.1:$nginx_port/v1/chat/completions"
    local plain='{"model":"fast","messages":[{"role":"user","content":"hi"}]}'
    local streamed='{"model":"sse","stream":true,"messages":[{"role":"user","content":"hi"}]}'
    run "nginx direct" "$direct" post.lua "$CONNECTIONS" BENCH_BODY="$plain"
    # Warm-up, then the measured run with the gateway's CPU and new upstream connections counted.
    env BENCH_BODY="$plain" BENCH_TOKEN="$key" wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" -s bench/post.lua "$v1" >/dev/null 2>&1 || true
    conns_before=$(upstream_connections fast)
    ticks_before=$(cpu_ticks "$gw_pid")
    measure "proxy via gateway" "$v1" post.lua "$CONNECTIONS" BENCH_BODY="$plain" BENCH_TOKEN="$key"
    ticks_after=$(cpu_ticks "$gw_pid")
    conns_after=$(upstream_connections fast)
    requests=$(tail -n 1 "$results" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
    run "nginx direct SSE" "http://127.0.0.1:$nginx_port/sse/v1/chat/completions" post.lua "$CONNECTIONS" BENCH_BODY="$streamed"
    run "proxy stream via gateway" "$v1" post.lua "$CONNECTIONS" BENCH_BODY="$streamed" BENCH_TOKEN="$key"
    # OpenAI's Responses API over the same upstream, nothing stored (as chat completions
    # without X-Conversation-Id): its cost beside /v1/chat/completions'.
    local responses="http://127.0.0.1:$gw_port/v1/responses"
    run "responses via gateway" "$responses" post.lua "$CONNECTIONS" \
        BENCH_BODY='{"model":"fast","input":"hi","store":false}' BENCH_TOKEN="$key"
    run "responses stream via gateway" "$responses" post.lua "$CONNECTIONS" \
        BENCH_BODY='{"model":"sse","input":"hi","store":false,"stream":true}' BENCH_TOKEN="$key"
    # The chat API through HTTPBot with its turn stored, against the same fast upstream.
    run "POST /api/v1/chat via HTTPBot (nginx)" "$api/chat" post.lua "$CONNECTIONS" \
        BENCH_BODY='{"message":"hi","bot":"sse"}' BENCH_TOKEN="$token"
    run "nginx direct (1 conn)" "$direct" post.lua 1 BENCH_BODY="$plain"
    run "proxy via gateway (1 conn)" "$v1" post.lua 1 BENCH_BODY="$plain" BENCH_TOKEN="$key"
    run "responses via gateway (1 conn)" "$responses" post.lua 1 \
        BENCH_BODY='{"model":"fast","input":"hi","store":false}' BENCH_TOKEN="$key"
    local ttft_nginx ttft_proxy
    ttft_nginx=$(python3 bench/ttft.py "http://127.0.0.1:$nginx_port" /sse/v1/chat/completions "$streamed" "" 300 '"content"')
    ttft_proxy=$(python3 bench/ttft.py "http://127.0.0.1:$gw_port" /v1/chat/completions "$streamed" "$key" 300 '"content"')
    hz=$(getconf CLK_TCK)
    python3 - "$results" "$work/proxy.json" "$ticks_before" "$ticks_after" "$hz" "$requests" "$conns_before" "$conns_after" \
        "$ttft_nginx" "$ttft_proxy" "$CONNECTIONS" <<'PY'
import json, sys
rows = {r["scenario"]: r for r in map(json.loads, open(sys.argv[1]))}
ticks = float(sys.argv[4]) - float(sys.argv[3])
hz, requests = float(sys.argv[5]), max(1, int(sys.argv[6]))
cpu_ms = 1000 * ticks / hz / requests
opened = int(float(sys.argv[8] or 0) - float(sys.argv[7] or 0))
ttft_nginx, ttft_proxy = json.loads(sys.argv[9]), json.loads(sys.argv[10])
one, direct = rows["proxy via gateway (1 conn)"], rows["nginx direct (1 conn)"]
figures = {
    "cpu_ms_per_call": round(cpu_ms, 4), "upstream_connections_opened": opened,
    "upstream_connections_total": int(float(sys.argv[8] or 0)), "connections": int(sys.argv[11]),
    "added_p50_ms": round(one["p50_ms"] - direct["p50_ms"], 3), "added_p99_ms": round(one["p99_ms"] - direct["p99_ms"], 3),
    "ttft_nginx": ttft_nginx, "ttft_gateway": ttft_proxy,
    "ttft_added_p50_ms": round(ttft_proxy.get("p50_ms", 0) - ttft_nginx.get("p50_ms", 0), 3),
    # The Responses API beside chat completions: throughput, and latency added at 1 connection.
    "responses_rps_pct_of_completions": round(
        100 * rows["responses via gateway"]["rps"] / max(rows["proxy via gateway"]["rps"], 1), 1),
    "responses_stream_rps_pct_of_completions": round(
        100 * rows["responses stream via gateway"]["rps"] / max(rows["proxy stream via gateway"]["rps"], 1), 1),
    "responses_added_p50_ms": round(rows["responses via gateway (1 conn)"]["p50_ms"] - one["p50_ms"], 3),
}
json.dump(figures, open(sys.argv[2], "w"), indent=2)
print(f"    gateway CPU per proxied call: {cpu_ms:.3f} ms; upstream connections opened while measuring: {opened} "
      f"({figures['upstream_connections_total']} in all, warm-up included, for {sys.argv[11]} callers)")
print(f"    added at 1 connection: p50 {figures['added_p50_ms']} ms, p99 {figures['added_p99_ms']} ms; "
      f"time to first token added p50 {figures['ttft_added_p50_ms']} ms")
PY
}
