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
source scripts/lib/serve.sh
ADMIN=$(admin_key ical)
serve_fresh "$PORT" --follow-sources false
"$VENV/bin/python" tests/ical/roundtrip.py "http://127.0.0.1:$PORT" "$ADMIN"
