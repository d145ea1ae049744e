# Sourced by the scripts that need a running Lantern (contract, iCalendar round trip, browser tests,
# place-search load). Needs WORK (a scratch folder, removed on exit) and a built release binary.

# serve_fresh PORT [FLAGS...]: the release binary on 127.0.0.1:PORT over $WORK/lantern.db (seeded on
# first start), its log in $WORK/server.log; sets SERVER; stops it and removes $WORK on exit; returns
# once /readyz answers (fails after 20 s). Loopback only: no proxy is ever asked.
serve_fresh() {
  local port=$1
  shift
  NO_PROXY='*' target/release/lantern serve --database-url "$WORK/lantern.db" --bind "127.0.0.1:$port" "$@" \
    >"$WORK/server.log" 2>&1 &
  SERVER=$!
  trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
  for _ in $(seq 1 100); do
    curl --noproxy '*' -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  curl --noproxy '*' -fsS "http://127.0.0.1:$port/readyz" >/dev/null
}

# admin_key NAME: a new admin key for $WORK/lantern.db (the database is created and seeded if new).
admin_key() {
  target/release/lantern keys create --database-url "$WORK/lantern.db" --role admin --name "$1" 2>/dev/null
}
