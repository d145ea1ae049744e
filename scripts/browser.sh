#!/usr/bin/env bash
# Browser tests: the embed and the office console in Debian's Chromium driven by playwright-core (pinned, installed with
# npm under target/browser-node), against the release binary on a fresh SQLite file with the seed.
# Only loopback is called. Screenshots land in target/browser/.
# Without Chromium: where the browser tests are required (LANTERN_REQUIRE_BROWSER=1, as .ci/run sets,
# or CI set) it is installed with apt-get (as root) and the tests must run; elsewhere they are
# skipped with a message.
set -euo pipefail
cd "$(dirname "$0")/.."

PLAYWRIGHT=1.64.1
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
NODE_DIR=target/browser-node
PORT=${BROWSER_PORT:-18761}
REQUIRED=${LANTERN_REQUIRE_BROWSER:-${CI:-}}

if [ ! -x "$CHROMIUM" ]; then
  if [ -n "$REQUIRED" ] && [ "$(id -u)" = 0 ]; then
    echo "browser: installing Debian's chromium"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  elif [ -n "$REQUIRED" ]; then
    echo "browser: Chromium is missing and cannot be installed here (not root)" >&2
    exit 1
  else
    echo "browser: SKIPPED — no Chromium at $CHROMIUM (apt-get install chromium, or set CHROMIUM)"
    exit 0
  fi
fi
if ! command -v node >/dev/null; then
  [ -n "$REQUIRED" ] && { echo "browser: node is missing" >&2; exit 1; }
  echo "browser: SKIPPED — no node"; exit 0
fi
if [ "$(node -p "try{require('./$NODE_DIR/node_modules/playwright-core/package.json').version}catch(e){''}")" != "$PLAYWRIGHT" ]; then
  mkdir -p "$NODE_DIR"
  [ -f "$NODE_DIR/package.json" ] || echo '{"private": true}' >"$NODE_DIR/package.json"
  npm install --prefix "$NODE_DIR" --no-audit --no-fund --silent "playwright-core@$PLAYWRIGHT"
fi

cargo build --release --quiet
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lantern-browser.XXXXXX")
source scripts/lib/serve.sh
# An admin key: the list tests add meetings whose local times are hard (around DST changes), and
# the console tests make publisher and observer keys with it. Sources are never pulled here, and
# the one the console test adds names a loopback address.
KEY=$(admin_key browser)
serve_fresh "$PORT" --follow-sources false --sources-loopback-only

mkdir -p target/browser
status=0
LANTERN="http://127.0.0.1:$PORT" LANTERN_KEY="$KEY" CHROMIUM="$CHROMIUM" OUT=target/browser NODE_MODULES_DIR="$NODE_DIR" \
  node --test --test-reporter=spec --test-concurrency=1 tests/browser/embed.test.mjs tests/browser/console.test.mjs tests/browser/docs.test.mjs || status=$?
if [ "$status" -ne 0 ]; then
  echo "browser: failures; server log:" >&2
  tail -n 20 "$WORK/server.log" >&2
fi
exit "$status"
