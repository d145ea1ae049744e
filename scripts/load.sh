#!/usr/bin/env bash
# Load test of GET /v1/meetings/nearby through HTTP, with the index and with the brute-force
# scan, on a generated directory in SQLite; also prints start-up time and resident memory.
#
#   scripts/load.sh                       # 1,000,000 meetings (generated once into target/)
#   MEETINGS=100000 DURATION=10s scripts/load.sh
#
# Needs wrk (Debian: apt-get install wrk). Traffic goes to 127.0.0.1 only and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
MEETINGS=${MEETINGS:-1000000}
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-64}
PORT=${PORT:-18181}
DB=target/bench-${MEETINGS}.db

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet --features baseline
if [ ! -f "$DB" ]; then
  echo "== generating $MEETINGS meetings into $DB"
  /usr/bin/time -f "generated and loaded in %e s, peak RSS %M KiB" \
    target/release/lantern generate --meetings "$MEETINGS" --into-database "$DB"
fi

serve() { # $@: extra flags
  local started
  started=$(date +%s.%N)
  RUST_LOG=warn target/release/lantern --database-url "$DB" --bind "127.0.0.1:$PORT" --no-seed "$@" &
  PID=$!
  until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null; do
    kill -0 "$PID" 2>/dev/null || { echo "server died" >&2; exit 1; }
    sleep 0.05
  done
  echo "start-up to ready: $(echo "$(date +%s.%N) - $started" | bc) s; resident memory: $(grep VmRSS /proc/$PID/status | awk '{printf "%.0f MiB", $2/1024}')"
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; }
trap 'kill $PID 2>/dev/null || true' EXIT

echo "== index ($MEETINGS meetings)"
serve
curl -s "http://127.0.0.1:$PORT/v1/meetings/nearby?lat=40.7128&lon=-74.0060" | head -c 300 || true; echo
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s scripts/nearby.lua "http://127.0.0.1:$PORT"
stop

echo "== brute-force scan ($MEETINGS meetings)"
serve --scan-search
wrk -t2 -c8 -d"$DURATION" --latency -s scripts/nearby.lua "http://127.0.0.1:$PORT"
stop
