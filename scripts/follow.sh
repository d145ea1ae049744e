#!/usr/bin/env bash
# Several nodes on one database, at the default follow settings: how long a write through one node
# takes to reach the others' nearby answers, and the followers' lag under a stream of writes through
# one node (scripts/follow.py prints the figures). Three release nodes on one SQLite file, then on
# one PostgreSQL database (skipped with a message when PostgreSQL is unreachable at PGURL).
#
#   scripts/follow.sh
#   WRITES=200 BURST_SECONDS=10 scripts/follow.sh
#
# Every node listens on 127.0.0.1 and the script calls only those; it stops them and removes its
# database on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18651}
WRITES=${WRITES:-100}
BURST_SECONDS=${BURST_SECONDS:-5}
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432}
cargo build --release --quiet
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lantern-follow.XXXXXX")
PIDS=()
PGDB=lantern_follow_$$
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# nodes DATABASE_URL LABEL: three nodes on the database; runs follow.py; stops them.
nodes() {
  local url=$1 label=$2 token body
  token=$(target/release/lantern keys create --database-url "$url" --role admin --name follow 2>/dev/null)
  local urls=()
  for i in 0 1 2; do
    NO_PROXY='*' RUST_LOG=warn target/release/lantern serve --database-url "$url" --bind "127.0.0.1:$((PORT + i))" \
      --follow-sources false >"$WORK/node$i-$label.log" 2>&1 &
    PIDS+=($!)
    urls+=("http://127.0.0.1:$((PORT + i))")
  done
  for u in "${urls[@]}"; do
    for _ in $(seq 1 200); do curl --noproxy '*' -fsS "$u/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  done
  body=$(curl --noproxy '*' -fsS "${urls[0]}/v1/service-bodies" | python3 -c 'import json,sys; print(json.load(sys.stdin)["results"][0]["id"])')
  NO_PROXY='*' python3 scripts/follow.py "${urls[@]}" --token "$token" --service-body "$body" \
    --writes "$WRITES" --burst-seconds "$BURST_SECONDS" --writers "${WRITERS:-4}" --label "$label"
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  PIDS=()
}

nodes "$WORK/lantern.db" sqlite
if psql "$PGURL/postgres" -qc "CREATE DATABASE $PGDB" >/dev/null 2>&1; then
  nodes "$PGURL/$PGDB" postgres
else
  echo "postgres: skipped, PostgreSQL is unreachable at $PGURL"
fi
