#!/usr/bin/env bash
# HTTP figures of place search (GET /v1/places): wrk against the release binary on a fresh SQLite
# file with the seed, one short run per query (a common prefix, an exact name, an alternate name, a
# word inside, with near= and country=). Prints the index build time from the server log and each
# run's requests/s and latency percentiles. Traffic goes to 127.0.0.1 only and stops by itself.
#
#   scripts/places-load.sh                # 10 s per query, 16 connections
#   DURATION=5s CONNECTIONS=8 scripts/places-load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-16}
PORT=${PORT:-18191}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lantern-places.XXXXXX")
source scripts/lib/serve.sh
serve_fresh "$PORT" --follow-sources false
# The first place search waits for the index if it is still being built.
curl -sf "http://127.0.0.1:$PORT/v1/places?q=a" >/dev/null
grep -o 'place search index built.*' "$WORK/server.log" || true
echo "resident memory after the index: $(ps -o rss= -p $SERVER | awk '{printf "%.0f MiB", $1/1024}')"
for query in "q=san" "q=koln" "q=Cologne" "q=york%20c" "q=springfield&country=us&near=41.88,-87.63" "q=m&limit=50"; do
  echo "== GET /v1/places?$query"
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "http://127.0.0.1:$PORT/v1/places?$query" |
    grep -E 'Requests/sec|^ +(50|90|99)%'
done
