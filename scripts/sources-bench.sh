#!/usr/bin/env bash
# The aggregator's figures: SOURCES (default 500) Meeting Guide feeds served from a local HTTP
# server on 127.0.0.1 (RECORDS records each, cut from the oc.json fixture with their own slugs),
# one answering 500 and one too slow (it answers after 60 s; the source timeout is 10 s), followed
# by the release binary on a fresh SQLite file. The sources are added with following off, then the
# server restarts with following on and the script waits until every source has been attempted:
# it prints the cycle time (from the server's launch, start-up included, until all but the slow
# source, and until that one too has timed out), the server's memory once ready and at the end, and
# the import rate. Only loopback is called (the server runs with --sources-loopback-only, and no
# client here goes through a proxy).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN=$PWD/target/release/lantern
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lantern-sources.XXXXXX")
PORT=${SOURCES_BENCH_PORT:-18761}
FEEDS=${SOURCES_BENCH_FEEDS_PORT:-18762}
SOURCES=${SOURCES:-500}
RECORDS=${RECORDS:-40}
export DATABASE_URL="$WORK/lantern.db" SOURCES RECORDS PORT FEEDS NO_PROXY='*' no_proxy='*'
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT

# The feeds.
python3 - "$WORK" <<'PY' &
import json, sys, time, os
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
base = json.load(open("tests/fixtures/meeting-guide/oc.json"))
records = int(os.environ["RECORDS"])
def feed(n):
    out = []
    for k in range(records):
        r = dict(base[(n * records + k) % len(base)])
        r["slug"] = f"s{n}-{k}"
        out.append(r)
    return json.dumps(out).encode()
feeds = {n: feed(n) for n in range(int(os.environ["SOURCES"]))}
class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args): pass
    def do_GET(self):
        n = int(self.path.split("/")[-1].split(".")[0])
        if n == 13:
            self.send_response(500); self.end_headers(); return
        if n == 77:
            time.sleep(60)
        body = feeds[n]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", f'"{n}"')
        self.end_headers()
        self.wfile.write(body)
ThreadingHTTPServer(("127.0.0.1", int(os.environ["FEEDS"])), Handler).serve_forever()
PY
pids+=($!)

serve() {
  LAUNCHED=$(date +%s.%N)
  "$BIN" serve --bind "127.0.0.1:$PORT" --sources-loopback-only --source-timeout 10 "$@" >>"$WORK/server.log" 2>&1 &
  SERVER=$!
  pids+=($SERVER)
  for _ in $(seq 1 200); do curl --noproxy '*' -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return; sleep 0.05; done
  echo "the server did not start" >&2; tail "$WORK/server.log" >&2; exit 1
}

ADMIN=$("$BIN" keys create --role admin --name bench 2>/dev/null)
serve --follow-sources false
python3 - "$ADMIN" <<'PY'
import json, os, sys, urllib.request
admin, port, feeds = sys.argv[1], os.environ["PORT"], os.environ["FEEDS"]
def post(path, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", json.dumps(body).encode(),
        {"Authorization": f"Bearer {admin}", "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))
for n in range(int(os.environ["SOURCES"])):
    body = post("/v1/service-bodies", {"name": f"Intergroup {n}", "kind": "intergroup", "fellowship": "aa",
        "time_zone": "America/Los_Angeles"})
    post("/v1/sources", {"url": f"http://127.0.0.1:{feeds}/feed/{n}.json", "kind": "meeting-guide",
        "service_body_id": body["id"]})
PY
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true

serve
python3 - "$SERVER" "$LAUNCHED" <<'PY'
import json, os, sys, time, urllib.request
pid, launched, port, total = sys.argv[1], float(sys.argv[2]), os.environ["PORT"], int(os.environ["SOURCES"])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
def rss():
    fields = dict(l.split(":", 1) for l in open(f"/proc/{pid}/status"))
    return int(fields["VmRSS"].split()[0]) // 1024, int(fields["VmHWM"].split()[0]) // 1024
ready = time.time() - launched
at_ready, _ = rss()
all_but_one = None
while True:
    sources = json.load(opener.open(f"http://127.0.0.1:{port}/v1/sources"))["results"]
    attempted = [s for s in sources if s["last_attempt_at"]]
    if all_but_one is None and len(attempted) >= total - 1:
        all_but_one = time.time() - launched
    if len(attempted) == total:
        break
    if time.time() - launched > 300:
        sys.exit(f"only {len(attempted)} of {total} sources attempted after 300 s")
    time.sleep(0.5)
cycle = time.time() - launched
after, peak = rss()
imported = [s for s in attempted if s["last_status"] == "imported"]
failed = {s["url"].rsplit("/", 1)[-1]: s["last_error"] for s in attempted if s["last_status"] == "failed"}
meetings = sum(s["last_diff"]["added"] for s in imported)
print(f"sources: {total} ({len(imported)} imported, {len(failed)} failed: {failed})")
print(f"start-up: {ready:.1f} s; all but the slow source attempted {all_but_one:.1f} s after launch, all {cycle:.1f} s")
print(f"{meetings} meetings added: {meetings / all_but_one:.0f} meetings/s over the cycle without the slow source")
print(f"server memory: {at_ready} MiB when ready, {after} MiB after the cycle (peak {peak} MiB)")
PY
