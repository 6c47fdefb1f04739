"""Chat load and its verdict for scripts/ha-check (Python 3 standard library only).

  ha_load.py load URL WORKERS SECONDS OUT
      Each worker registers and logs in its own user, then (all together, once every one
      is logged in, noted in OUT.started) sends chat turns back to back for SECONDS, each
      with a text of its own (`w<worker>-<n>`). OUT gets every status seen with its send
      and answer times, the acknowledged (200) texts, and what else went wrong.
  ha_load.py verify OUT KILLED_AT NEW_LEADER_AT NEW_LEADER STORED
      Checks the load against the failover (KILLED_AT and NEW_LEADER_AT are epoch seconds;
      STORED lists the user messages found on the new leader, one per line), prints the
      summary line and exits non-zero if a check fails.
"""

import http.client
import json
import sys
import threading
import time
import urllib.parse


def request(conn, method, path, body, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    conn.request(method, path, body=json.dumps(body), headers=headers)
    response = conn.getresponse()
    return response.status, response.getheader("Retry-After"), response.read()


def sign_in(base, worker, tag, deadline):
    """Registers and logs in the worker's user; returns its access token."""
    conn = http.client.HTTPConnection(base.hostname, base.port, timeout=10)
    email = f"ha-{tag}-w{worker}@example.com"
    credentials = {"email": email, "password": "Passw0rd!ha"}
    steps = [("/api/v1/users/register", dict(credentials, name=f"HA worker {worker}"), (200, 201)),
             ("/api/v1/users/login", credentials, (200,))]
    for path, body, ok in steps:
        while True:
            status, _, data = request(conn, "POST", path, body)
            if status in ok:
                break
            if status in (429, 503) and time.time() < deadline:
                time.sleep(0.1)
                continue
            raise RuntimeError(f"worker {worker}: {path} answered {status}: {data[:200]!r}")
    conn.close()
    return json.loads(data)["access_token"]


def load(url, workers, seconds, out):
    base = urllib.parse.urlsplit(url)
    tag = f"{int(time.time() * 1000)}"
    tokens = [None] * workers
    errors = []

    def setup(worker):
        try:
            tokens[worker] = sign_in(base, worker, tag, time.time() + 30)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(str(error))

    threads = [threading.Thread(target=setup, args=(w,)) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        sys.exit("ha-load: sign-in failed: " + "; ".join(errors))

    lock = threading.Lock()
    events = []  # [sent, answered, status, text]; status 0 = no answer (connection error)
    problems = []  # what was neither a 200 nor a 503 with Retry-After
    start = time.time()
    stop = start + seconds
    with open(out + ".started", "w") as marker:
        marker.write(f"{start}\n")

    def run(worker):
        conn = http.client.HTTPConnection(base.hostname, base.port, timeout=15)
        n = 0
        while time.time() < stop:
            n += 1
            text = f"w{worker}-{n}"
            sent = time.time()
            try:
                status, retry_after, data = request(conn, "POST", "/api/v1/chat", {"message": text},
                                                    tokens[worker])
            except (OSError, http.client.HTTPException) as error:
                with lock:
                    events.append([sent, time.time(), 0, text])
                    problems.append(f"{text}: {type(error).__name__}: {error}")
                conn.close()
                conn = http.client.HTTPConnection(base.hostname, base.port, timeout=15)
                time.sleep(0.05)
                continue
            answered = time.time()
            with lock:
                events.append([sent, answered, status, text])
                if status == 503 and retry_after is None:
                    problems.append(f"{text}: 503 without Retry-After")
                elif status not in (200, 503):
                    problems.append(f"{text}: {status} {data[:200]!r}")
            if status == 200:
                # The answer must say the turn was stored.
                try:
                    stored = "conversation_id" in json.loads(data)
                except ValueError:
                    stored = False
                if not stored:
                    with lock:
                        problems.append(f"{text}: 200 without conversation_id: {data[:200]!r}")
            elif status == 503:
                time.sleep(0.02)
        conn.close()

    threads = [threading.Thread(target=run, args=(w,)) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with open(out, "w") as file:
        json.dump({"start": start, "seconds": seconds, "events": events, "problems": problems}, file)


def verify(out, killed_at, leader_at, leader, stored_path):
    with open(out) as file:
        result = json.load(file)
    with open(stored_path) as file:
        stored = set(line.rstrip("\n") for line in file)
    start, events, problems = result["start"], result["events"], result["problems"]
    acknowledged = [e for e in events if e[2] == 200]
    unavailable = [e for e in events if e[2] == 503]
    statuses = {}
    for e in events:
        statuses[e[2]] = statuses.get(e[2], 0) + 1
    # Served again: the first 200 to a turn sent after the kill (one sent before could have
    # been committed before it).
    after = sorted(e[1] for e in acknowledged if e[0] > killed_at)
    missing = [e[3] for e in acknowledged if e[3] not in stored]
    failures = []
    if not any(e[1] < killed_at for e in acknowledged):
        failures.append("no turn was acknowledged before the kill")
    if not after:
        failures.append("the gateway never served a turn again after the kill")
    if missing:
        failures.append(f"{len(missing)} acknowledged turns missing on the new leader, e.g. {missing[:5]}")
    if problems:
        failures.append(f"{len(problems)} answers other than 200 or 503 with Retry-After, e.g. {problems[:5]}")
    recovered = f"{after[0] - killed_at:.1f} s" if after else "never"
    print(f"ha-check: leader killed at +{killed_at - start:.1f} s, new leader {leader} after "
          f"{leader_at - killed_at:.1f} s, gateway serving again after {recovered}, "
          f"{len(acknowledged)} acknowledged turns "
          f"{'all present' if not missing else f'({len(missing)} missing)'}, {len(unavailable)} 503s, "
          f"{len(problems)} other errors (statuses {dict(sorted(statuses.items()))})")
    for failure in failures:
        print(f"ha-check: FAILED: {failure}", file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "load":
        load(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5])
    elif len(sys.argv) == 7 and sys.argv[1] == "verify":
        verify(sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6])
    else:
        sys.exit(__doc__)
