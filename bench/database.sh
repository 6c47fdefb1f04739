# The database scenario, sourced by scripts/bench (`scripts/bench database`): what each
# operation costs PostgreSQL, and what 8 gateways' worth of chat asks of one primary,
# directly and through PgBouncer in transaction mode.
#
# - per operation, one at a time: statements sent (round trips, from pg_stat_statements,
#   BEGIN/COMMIT included, background batch writes included) and WAL bytes, per chat turn,
#   per /v1 call and per login;
# - 8 gateways (DB_POOL_SIZE 10 each) under chat load from 8 wrk clients (16 connections each,
#   BENCH_DB_CONNECTIONS): turns/s, commits/s,
#   WAL bytes and fsyncs per turn, PostgreSQL's CPU per turn (all its processes), and the
#   most server connections seen; then the same through one PgBouncer (default_pool_size 10).

psql_bench() { as_pg "$(pg_bin)/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d bench -XAtq -c "$1"; }
# pg_ticks: user + system clock ticks of every PostgreSQL process so far (postmaster's children).
pg_ticks() {
    local postmaster
    postmaster=$(head -n 1 "$work/pg/postmaster.pid")
    ps -o pid= --ppid "$postmaster" | while read -r pid; do awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null; done |
        awk -v own="$(awk '{print $14 + $15}' "/proc/$postmaster/stat")" '{s += $1} END {print s + own}'
}
wal_lsn() { psql_bench "SELECT pg_current_wal_lsn()"; }
wal_since() { psql_bench "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$1')"; }

# per_operation NAME KIND N CREDENTIAL: statements and WAL bytes per operation.
per_operation() {
    local name="$1" kind="$2" n="$3" credential="$4" lsn ok statements wal
    psql_bench "SELECT pg_stat_statements_reset()" >/dev/null
    lsn=$(wal_lsn)
    ok=$(python3 bench/dbcost.py "$gw_port" "$kind" "$n" "$credential")
    # Batched background writes (usage, key use, budget settlements) land within a second.
    sleep 2
    statements=$(psql_bench "SELECT sum(calls) FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'
        AND query NOT LIKE '%pg_current_wal_lsn%' AND query NOT LIKE '%pg_wal_lsn_diff%'")
    wal=$(wal_since "$lsn")
    python3 - "$name" "$n" "$ok" "$statements" "$wal" <<'PY' | tee -a "$work/database.jsonl"
import json, sys
name, n, ok, statements, wal = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
print(json.dumps({"operation": name, "count": n, "ok": ok, "statements_per_op": round(statements / n, 2),
                  "wal_bytes_per_op": round(wal / n)}))
PY
}

# eight_gateways LABEL [ENV...]: 8 gateways with ENV under chat load; prints one JSON line.
eight_gateways() {
    local label="$1" i port pids8=() ports=() wrks=() lsn ticks0 ticks1 commits0 commits1 syncs0 syncs1 peak=0 now since
    local per="${BENCH_DB_CONNECTIONS:-16}"
    shift
    # Sessions opened from here on: these gateways' (or PgBouncer's), not the bench's own.
    since=$(psql_bench "SELECT now()")
    for i in 1 2 3 4 5 6 7 8; do
        port=$(free_port)
        env "$@" PORT="$port" DB_POOL_SIZE=10 LOG_LEVEL=warning "${BENCH_GATEWAY:-$bin/gateway}" serve --skip-migrations \
            >"$work/gw8-$i.log" 2>&1 &
        pids8+=($!)
        ports+=("$port")
    done
    for port in "${ports[@]}"; do
        until curl -fs "http://127.0.0.1:$port/ready" >/dev/null 2>&1; do sleep 0.02; done
    done
    for port in "${ports[@]}"; do
        env BENCH_BODY="$chat_body" BENCH_TOKEN="$token" wrk -t1 -c"$per" -d"${WARMUP}s" -s bench/post.lua \
            "http://127.0.0.1:$port/api/v1/chat" >/dev/null 2>&1 &
        wrks+=($!)
    done
    wait "${wrks[@]}" 2>/dev/null || true
    wrks=()
    lsn=$(wal_lsn)
    commits0=$(psql_bench "SELECT xact_commit FROM pg_stat_database WHERE datname = 'bench'")
    syncs0=$(psql_bench "SELECT wal_sync FROM pg_stat_wal")
    ticks0=$(pg_ticks)
    for i in "${!ports[@]}"; do
        env BENCH_BODY="$chat_body" BENCH_TOKEN="$token" wrk -t1 -c"$per" -d"${SECONDS_PER}s" --timeout 10s -s bench/post.lua \
            "http://127.0.0.1:${ports[$i]}/api/v1/chat" | grep WRK_RESULT | cut -d' ' -f2- >"$work/wrk8-$i.json" &
        wrks+=($!)
    done
    # The most server sessions on the database while the load runs.
    for _ in $(seq 1 "$((SECONDS_PER * 2))"); do
        now=$(psql_bench "SELECT count(*) FROM pg_stat_activity WHERE datname = 'bench' AND backend_type = 'client backend'
            AND backend_start > '$since' AND pid <> pg_backend_pid()")
        [ "$now" -gt "$peak" ] && peak=$now
        sleep 0.5
    done
    wait "${wrks[@]}" 2>/dev/null || true
    ticks1=$(pg_ticks)
    sleep 1
    commits1=$(psql_bench "SELECT xact_commit FROM pg_stat_database WHERE datname = 'bench'")
    syncs1=$(psql_bench "SELECT wal_sync FROM pg_stat_wal")
    local wal
    wal=$(wal_since "$lsn")
    # Then reads, which are not batched (a conversation list each): every pool fills.
    wrks=()
    for i in "${!ports[@]}"; do
        env BENCH_TOKEN="$token" wrk -t1 -c"$per" -d4s --timeout 10s -s bench/get.lua \
            "http://127.0.0.1:${ports[$i]}/api/v1/conversations" | grep WRK_RESULT | cut -d' ' -f2- >"$work/reads8-$i.json" &
        wrks+=($!)
    done
    for _ in $(seq 1 7); do
        now=$(psql_bench "SELECT count(*) FROM pg_stat_activity WHERE datname = 'bench' AND backend_type = 'client backend'
            AND backend_start > '$since' AND pid <> pg_backend_pid()")
        [ "$now" -gt "$peak" ] && peak=$now
        sleep 0.5
    done
    wait "${wrks[@]}" 2>/dev/null || true
    kill "${pids8[@]}" 2>/dev/null || true
    wait "${pids8[@]}" 2>/dev/null || true
    python3 - "$label" "$SECONDS_PER" "$wal" "$((commits1 - commits0))" "$((syncs1 - syncs0))" "$((ticks1 - ticks0))" \
        "$(getconf CLK_TCK)" "$peak" "$work" <<'PY' | tee -a "$work/database.jsonl"
import json, sys
label, seconds, wal, commits, syncs, ticks, hz, peak = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), \
    int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
import glob
runs = [json.load(open(f)) for f in glob.glob(sys.argv[9] + "/wrk8-*.json")]
reads = [json.load(open(f)) for f in glob.glob(sys.argv[9] + "/reads8-*.json")]
turns = sum(r["requests"] for r in runs)
errors = sum(r["errors"] for r in runs) + sum(r["errors"] for r in reads)
print(json.dumps({"setup": label, "turns_per_s": round(turns / seconds), "errors": errors,
                  "commits_per_s": round(commits / seconds), "turns_per_commit": round(turns / max(commits, 1), 2),
                  "wal_bytes_per_turn": round(wal / max(turns, 1)), "turns_per_wal_sync": round(turns / max(syncs, 1), 1),
                  "pg_cpu_us_per_turn": round(ticks / hz * 1e6 / max(turns, 1), 1),
                  "list_reads_per_s": round(sum(r["requests"] for r in reads) / 4), "peak_server_sessions": peak}))
PY
}

database_bench() {
    echo "==> database: cost per operation (one at a time), then 8 gateways against one PostgreSQL"
    : >"$work/database.jsonl"
    psql_bench "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
    local key
    key=$(curl -fs -X POST "$api/users/me/api-keys" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d '{"name":"dbcost"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
    per_operation "chat turn (POST /api/v1/chat)" turn 300 "$token"
    per_operation "/v1/chat/completions (echo)" v1 300 "$key"
    per_operation "login" login 30 "$login_body"

    eight_gateways "8 gateways direct" DATABASE_URL="$DATABASE_URL"
    ensure_packages
    [ -x /usr/sbin/pgbouncer ] || { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq pgbouncer >/dev/null; }
    local bouncer_port
    bouncer_port=$(free_port)
    mkdir -p "$work/pgbouncer"
    printf '"postgres" ""\n' >"$work/pgbouncer/users.txt"
    cat >"$work/pgbouncer/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$pg_port
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = trust
auth_file = $work/pgbouncer/users.txt
pool_mode = transaction
default_pool_size = 10
max_db_connections = 10
max_client_conn = 2000
logfile = $work/pgbouncer/pgbouncer.log
pidfile = $work/pgbouncer/pgbouncer.pid
INI
    chmod -R a+rwX "$work/pgbouncer"
    as_pg /usr/sbin/pgbouncer -d -q "$work/pgbouncer/pgbouncer.ini"
    until (exec 3<>"/dev/tcp/127.0.0.1/$bouncer_port") 2>/dev/null; do sleep 0.02; done
    eight_gateways "8 gateways through PgBouncer" DATABASE_URL="postgresql://postgres@127.0.0.1:$bouncer_port/bench" \
        DB_POOL_MODE=transaction DATABASE_LISTEN_URL="$DATABASE_URL"
    kill "$(cat "$work/pgbouncer/pgbouncer.pid")" 2>/dev/null || true
}
