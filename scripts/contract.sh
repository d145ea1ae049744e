#!/usr/bin/env bash
# The contract test: schemathesis (`--checks all`) over every operation of the OpenAPI document
# the server publishes, against the release binary on a fresh SQLite file with the seed, with an
# admin key. The `/v1/keys*` operations run last with a second admin key (schemathesis may rotate
# or revoke the key it is given). What the settings in scripts/schemathesis.toml widen, and why, is
# written there. Only loopback is ever called; each run stops after CONTRACT_MAX_TIME seconds
# (default 240). Exit status: non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=4.32.5
VENV=target/schemathesis-venv
if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$VERSION"; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "schemathesis==$VERSION"
fi
SEED=${CONTRACT_SEED:-2026}
EXAMPLES=${CONTRACT_EXAMPLES:-30}
PORT=${CONTRACT_PORT:-18741}

cargo build --release --quiet
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lantern-contract.XXXXXX")
source scripts/lib/serve.sh
ADMIN=$(admin_key contract)
KEYS_ADMIN=$(admin_key contract-keys)
# Schemathesis probes every operation with bad keys on purpose, all from 127.0.0.1; with the default
# limit (5 a minute) those probes would meet 429. The throttle itself is tested in tests/api.
# Sources the fuzzer adds are fetched from loopback only, without looking up any name but
# localhost: nothing leaves the machine, not even a DNS query. They are pulled only when the fuzzer
# asks (`POST /v1/sources/{id}/pull`), never in the background, so that no import of a feed the fuzzer
# pointed at this very server changes meetings between two requests of a stateful scenario.
serve_fresh "$PORT" --max-failed-auth 1000000 --sources-loopback-only --source-timeout 5 --follow-sources false

run() {
  "$VENV/bin/schemathesis" --config-file scripts/schemathesis.toml run "http://127.0.0.1:$PORT/openapi.json" \
    --checks all --max-examples "$EXAMPLES" --seed "$SEED" \
    --request-timeout 10 --max-time "${CONTRACT_MAX_TIME:-240}" --warnings off "$@"
}
status=0
run -H "Authorization: Bearer $ADMIN" --exclude-path-regex '^/v1/keys' || status=$?
run -H "Authorization: Bearer $KEYS_ADMIN" --include-path-regex '^/v1/keys' || status=$?
if [ "$status" -ne 0 ]; then
  echo "contract: schemathesis found failures (replay with CONTRACT_SEED=$SEED); server log:" >&2
  tail -n 20 "$WORK/server.log" >&2
fi
exit "$status"
