#!/usr/bin/env bash
# Checks the systemd unit with systemd-analyze (pointed at the built binary, since the unit names its
# installed path). Run by .ci/run; needs target/release/lantern.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v systemd-analyze >/dev/null; then
  # On a laptop without systemd, say so; in CI the check must run, not skip.
  echo "deploy: systemd-analyze is missing; unit not checked" >&2
  [ -n "${CI:-}" ] && [ "${CI}" != "false" ] && exit 1
  exit 0
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lantern-deploy.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
sed "s|^ExecStart=/usr/local/bin/lantern|ExecStart=$PWD/target/release/lantern|" deploy/lantern.service >"$WORK/lantern.service"
out=$(systemd-analyze verify "$WORK/lantern.service" 2>&1 || true)
if [ -n "$out" ]; then
  echo "deploy/lantern.service: $out" >&2
  exit 1
fi
echo "deploy/lantern.service: systemd-analyze verify found nothing"
