# Shared helpers of scripts/run, scripts/test and scripts/bench. Source, don't run.

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the Debian packages the gateway needs when any is missing.
ensure_packages() {
    local missing=()
    pkg-config --exists libpq 2>/dev/null || missing+=(libpq-dev)
    pkg-config --exists libcurl 2>/dev/null || missing+=(libcurl4-openssl-dev)
    pkg-config --exists openssl 2>/dev/null || missing+=(libssl-dev)
    pkg-config --exists libargon2 2>/dev/null || missing+=(libargon2-dev)
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
    for extra in "$@"; do
        command -v "$extra" >/dev/null 2>&1 || missing+=("$extra")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "==> installing ${missing[*]}" >&2
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# The newest installed PostgreSQL server's bin directory.
pg_bin() {
    ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1
}

# A free TCP port on 127.0.0.1.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Runs a PostgreSQL tool as the postgres user when we are root (PostgreSQL refuses root).
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Starts (creating if needed) a private cluster in $1 on 127.0.0.1; prints its port.
# The cluster trusts loopback connections: it is a private development/test cluster.
# It keeps what it acknowledges (fsync on) unless $2 is "throwaway": the test suite's
# and the benchmark's clusters, deleted afterwards, skip fsync.
start_cluster() {
    local dir="$1" durability="${2:-durable}" bin port fsync=on
    [ "$durability" = throwaway ] && fsync=off
    bin="$(pg_bin)"
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir"; chmod 700 "$dir"; fi
    if [ ! -f "$dir/PG_VERSION" ]; then
        as_pg "$bin/initdb" -D "$dir" -U postgres -A trust -E UTF8 --no-locale >/dev/null
    fi
    if as_pg "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        cat "$dir/gateway.port"
        return
    fi
    port="$(free_port)"
    echo "$port" | as_pg tee "$dir/gateway.port" >/dev/null
    as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 30 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=1000 -c fsync=$fsync ${PG_EXTRA_OPTS:-}" start >/dev/null
    echo "$port"
}

# Stops the cluster in $1.
stop_cluster() {
    as_pg "$(pg_bin)/pg_ctl" -D "$1" -m fast -w stop >/dev/null 2>&1 || true
}
