#!/usr/bin/env bash
# Faults with figures (scripts/faults.py says what each part measures and checks):
#   kill9    SIGKILL a node mid-writes and mid-import, on SQLite and on PostgreSQL, and restart it;
#   restart  a throwaway PostgreSQL cluster (initdb under /tmp, on a free port, never the machine's
#            shared server) stopped and started under reads and writes;
#   writers  three processes writing one SQLite file;
#   mixed    reads alone, then reads while publishers write and imports run, on two nodes.
#
#   scripts/faults.sh                 # everything, 10 s per mixed-load phase
#   SECONDS_PER_PHASE=3 scripts/faults.sh kill9 mixed
#
# Exits non-zero when an acknowledged write is lost, an import is applied in part, a node answers a
# 5xx other than the documented 503/507, or a node does not catch up. Every node listens on
# 127.0.0.1 and only those are called; nodes, the cluster and the databases are removed on exit
# (on failure the nodes' logs are kept in target/faults-logs).
set -euo pipefail
cd "$(dirname "$0")/.."
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432}
# The throwaway cluster: a short path under /tmp that the postgres user can reach (a checkout may
# sit in a directory it cannot enter, and a socket path has at most 107 bytes), on a free port.
CLUSTER=${CLUSTER:-}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)

# PostgreSQL refuses to run as root: the throwaway cluster runs as the postgres user when we are root.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cluster() {
  case $1 in
    stop) as_pg "$PGBIN/pg_ctl" -D "$CLUSTER/data" -m fast -w stop ;;
    start) as_pg "$PGBIN/pg_ctl" -D "$CLUSTER/data" -l "$CLUSTER/log" -w -o "-p $CLUSTER_PORT -k $CLUSTER" start ;;
  esac
}
# faults.py stops and starts the cluster through `faults.sh --cluster stop|start`.
if [ "${1:-}" = --cluster ]; then
  cluster "$2" >/dev/null
  exit
fi

cargo build --release --quiet
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lantern-faults.XXXXXX")
chmod 755 "$WORK"
DBS=(lantern_faults_kill_$$ lantern_faults_mixed_$$)
cleanup() {
  local status=$?
  if [ -n "$CLUSTER" ] && [ -d "$CLUSTER/data" ]; then cluster stop >/dev/null 2>&1 || true; fi
  if [ -n "$CLUSTER" ]; then rm -rf "$CLUSTER"; fi
  # On failure the nodes' logs are kept for reading.
  if [ "$status" != 0 ]; then mkdir -p target/faults-logs && cp "$WORK"/*.log target/faults-logs/ 2>/dev/null || true; fi
  for db in "${DBS[@]}"; do psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT

ARGS=(--work "$WORK" --seconds "${SECONDS_PER_PHASE:-10}")
if psql "$PGURL/postgres" -qc "CREATE DATABASE ${DBS[0]}" >/dev/null 2>&1 \
  && psql "$PGURL/postgres" -qc "CREATE DATABASE ${DBS[1]}" >/dev/null 2>&1; then
  ARGS+=(--postgres-url "$PGURL/${DBS[0]}")
elif [ "${LANTERN_REQUIRE_POSTGRES:-}" = 1 ]; then
  echo "PostgreSQL is required (LANTERN_REQUIRE_POSTGRES=1) but unreachable at $PGURL" >&2
  exit 1
else
  echo "postgres: kill9 and mixed on PostgreSQL skipped, PostgreSQL is unreachable at $PGURL"
fi
if [ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ]; then
  CLUSTER=$(mktemp -d /tmp/lantern-pg.XXXXXX)
  CLUSTER_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  chmod 755 "$CLUSTER"
  if [ "$(id -u)" = 0 ]; then chown postgres "$CLUSTER"; fi
  as_pg "$PGBIN/initdb" -D "$CLUSTER/data" -U postgres -A trust >/dev/null
  cluster start >/dev/null
  "$PGBIN/psql" -h 127.0.0.1 -p "$CLUSTER_PORT" -U postgres -qc "CREATE DATABASE lantern" postgres
  ARGS+=(--cluster-url "postgres://postgres@127.0.0.1:$CLUSTER_PORT/lantern"
    --cluster-ctl "env CLUSTER=$CLUSTER CLUSTER_PORT=$CLUSTER_PORT bash $PWD/scripts/faults.sh --cluster")
elif [ "${LANTERN_REQUIRE_POSTGRES:-}" = 1 ]; then
  echo "PostgreSQL's initdb is required (LANTERN_REQUIRE_POSTGRES=1) but not installed" >&2
  exit 1
else
  echo "restart: skipped, PostgreSQL's initdb is not installed"
fi
python3 scripts/faults.py "${ARGS[@]}" "$@"
