#!/usr/bin/env bash
# Import figures: the largest Meeting Guide fixture (oc.json, 1,967 records) and a 20,000-record
# feed made from it (each record repeated with its own slug and a shifted position), imported with
# the release binary into a fresh SQLite file and, when `psql` reaches the local server, a fresh
# PostgreSQL database; then the 20,000 again (nothing changes) and a dry run. Prints the CLI's own
# timings (the import, not the start-up). Only files and the local database are touched.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN=target/release/lantern
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lantern-import.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
COUNT=${IMPORT_BENCH_RECORDS:-20000}
python3 - "$COUNT" "$WORK/big.json" <<'PY'
import json, sys
count, out = int(sys.argv[1]), sys.argv[2]
base = json.load(open("tests/fixtures/meeting-guide/oc.json"))
records = []
for n in range(count):
    r = dict(base[n % len(base)])
    copy = n // len(base)
    r["slug"] = f"{r['slug']}-copy{copy}"
    if isinstance(r.get("latitude"), float):
        r["latitude"] += 0.01 * copy
    records.append(r)
json.dump(records, open(out, "w"))
PY
bench() {
  local url=$1 label=$2
  echo "== $label"
  DATABASE_URL=$url "$BIN" import meeting-guide tests/fixtures/meeting-guide/oc.json --service-body 47 2>&1 >/dev/null | grep imported
  DATABASE_URL=$url "$BIN" import meeting-guide "$WORK/big.json" --service-body 41 2>&1 >/dev/null | grep imported
  DATABASE_URL=$url "$BIN" import meeting-guide "$WORK/big.json" --service-body 41 2>&1 >/dev/null | grep imported | sed 's/$/ (again: unchanged)/'
  DATABASE_URL=$url "$BIN" import meeting-guide "$WORK/big.json" --service-body 41 --dry-run 2>&1 >/dev/null | grep imported | sed 's/$/ (dry run)/'
}
bench "$WORK/bench.db" "SQLite"
if command -v psql >/dev/null && psql -h 127.0.0.1 -U postgres -c 'select 1' >/dev/null 2>&1; then
  psql -h 127.0.0.1 -U postgres -q -c 'DROP DATABASE IF EXISTS lantern_import_bench' -c 'CREATE DATABASE lantern_import_bench'
  bench "postgres://postgres@127.0.0.1:5432/lantern_import_bench" "PostgreSQL"
  psql -h 127.0.0.1 -U postgres -q -c 'DROP DATABASE lantern_import_bench'
fi
