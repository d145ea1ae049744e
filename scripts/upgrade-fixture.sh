#!/usr/bin/env bash
# Writes the upgrade test's fixtures: a small directory written through the API of a release (a
# fellowship, a service body, meetings created, patched and deleted, keys; a pruned change log
# where that release can prune), dumped as SQL from SQLite and from PostgreSQL into
# tests/fixtures/upgrade/. `tests/api/upgrade.rs` then proves this build opens, migrates and serves
# them. Give it the commit of the release to upgrade from (run it again after a release that adds a
# migration):
#
#   scripts/upgrade-fixture.sh 427fd37
#
# That commit is built from `git archive` in a temporary directory (sharing target/, so only
# Lantern itself compiles). The server listens on 127.0.0.1 only and is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
REV=${1:?usage: scripts/upgrade-fixture.sh RELEASE_COMMIT}
PORT=${PORT:-18689}
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432}
OUT=tests/fixtures/upgrade
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lantern-upgrade.XXXXXX")
mkdir "$WORK/src"
git archive "$REV" | tar -x -C "$WORK/src"
(cd "$WORK/src" && CARGO_TARGET_DIR="$OLDPWD/target/upgrade-build" cargo build --quiet --bin lantern)
BIN=$WORK/lantern
cp target/upgrade-build/debug/lantern "$BIN"
PGDB=lantern_upgrade_$$
PID=
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
  psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$OUT"

# write URL: the directory the fixture holds, written through a server on URL.
write() {
  local url=$1 token api
  token=$($BIN keys create --no-seed --database-url "$url" --role admin --name upgrade)
  $BIN serve --no-seed --follow-sources false --database-url "$url" --bind "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
  PID=$!
  api="http://127.0.0.1:$PORT"
  for _ in $(seq 1 100); do curl --noproxy '*' -fsS "$api/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  send() { curl --noproxy '*' -fsS -X "$1" "$api$2" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' ${3:+-d "$3"}; }
  send POST /v1/fellowships '{"code": "aa", "name": "Alcoholics Anonymous", "website": "https://www.aa.org"}' >/dev/null
  send POST /v1/service-bodies '{"name": "Upgrade Intergroup", "kind": "intergroup", "parent_id": null, "fellowship": "aa", "time_zone": "Europe/Berlin", "website": null, "contact": {"name": "Office", "email": "office@example.org", "phone": null}}' >/dev/null
  for n in 1 2 3; do
    send POST /v1/meetings "{\"name\": \"Upgrade Meeting $n\", \"fellowship\": \"aa\", \"service_body_id\": 1, \"attendance\": \"hybrid\",
      \"schedule\": {\"days\": [\"monday\", \"thursday\"], \"start_time\": \"19:0$n\", \"duration_minutes\": 90, \"time_zone\": \"Europe/Berlin\", \"weeks_of_month\": [1, -1]},
      \"location\": {\"name\": \"Hall $n\", \"street_address\": \"Hauptstrasse $n\", \"latitude\": 52.5$n, \"longitude\": 13.4$n},
      \"online\": {\"conference_url\": \"https://zoom.us/j/12345$n\", \"conference_phone\": null, \"notes\": null},
      \"types\": [\"O\"], \"languages\": [\"en\", \"de\"], \"closures\": {\"dates\": [\"2026-12-24\"], \"suspended_until\": null},
      \"contacts\": [{\"name\": \"Secretary $n\", \"email\": \"s$n@example.org\", \"phone\": null}]}" >/dev/null
  done
  send PATCH /v1/meetings/1 '{"notes": "Side door", "types": ["O", "D"]}' >/dev/null
  send DELETE /v1/meetings/3 >/dev/null
  send POST /v1/keys '{"name": "Upgrade publisher", "role": "publisher", "service_body_id": 1}' >/dev/null
  kill "$PID"
  wait "$PID" 2>/dev/null || true
  PID=
  if $BIN changes --help >/dev/null 2>&1; then
    $BIN changes prune --older-than-days 0 --no-seed --database-url "$url" >/dev/null
  fi
}

write "$WORK/upgrade.db"
python3 - "$WORK/upgrade.db" "$OUT/previous.sqlite.sql" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
with open(sys.argv[2], "w") as out:
    # Tables come in name order, children before parents: as sqlite3's .dump does, load with the
    # foreign keys off.
    out.write("PRAGMA foreign_keys = OFF;\n")
    for line in db.iterdump():
        out.write(line + "\n")
EOF
psql "$PGURL/postgres" -qc "CREATE DATABASE $PGDB" >/dev/null
write "$PGURL/$PGDB"
# Plain SQL a single connection can run: no psql meta-commands, no owners or grants.
pg_dump --no-owner --no-privileges --inserts "$PGURL/$PGDB" | grep -v '^\\' >"$OUT/previous.postgres.sql"
echo "$(git rev-parse --short "$REV")" >"$OUT/RELEASE"
echo "wrote $OUT/previous.sqlite.sql and $OUT/previous.postgres.sql from $(git rev-parse --short "$REV") (migrations through $(ls "$WORK/src/migrations/sqlite" | tail -n 1))"
