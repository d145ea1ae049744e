#!/usr/bin/env bash
# The iCalendar round trip (tests/ical/roundtrip.py): the release binary on a fresh SQLite file with
# the built-in seed, and Python's `icalendar` + `recurring_ical_events` (pinned, in a venv under
# target/) reading its calendar.ics files back through their own VTIMEZONEs and expanding them to
# the same starts as /v1/meetings/{id}/occurrences for a year, for meetings it makes with an admin
# key. Only loopback is called.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=target/ical-venv
if ! "$VENV/bin/python" -c 'import icalendar, recurring_ical_events; assert icalendar.__version__ == "6.3.1"' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "icalendar==6.3.1" "recurring-ical-events==3.8.0"
fi
PORT=${ICAL_PORT:-18751}
cargo build --release --quiet
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lantern-ical.XXXXXX")
ADMIN=$(target/release/lantern keys create --database-url "$WORK/lantern.db" --role admin --name ical 2>/dev/null)
NO_PROXY='*' target/release/lantern serve --database-url "$WORK/lantern.db" --bind "127.0.0.1:$PORT" \
  --follow-sources false >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do
  curl --noproxy '*' -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
"$VENV/bin/python" tests/ical/roundtrip.py "http://127.0.0.1:$PORT" "$ADMIN"
