#!/usr/bin/env bash
# GET /auth/check measured with wrk at concurrency 32 (docs/BENCHMARKS.md, issue 15): the
# release binary on a fresh database, logs at warn, rate limits off (as the load bench).
#   scripts/bench-auth-check.sh sqlite [rounds]
#   TEST_DATABASE_URL=postgres://user@host:port/db scripts/bench-auth-check.sh postgres [rounds]
# Needs `cargo leptos build --release` first, and wrk (Debian's `wrk`).
set -euo pipefail
cd "$(dirname "$0")/.."
store=${1:?sqlite or postgres}; rounds=${2:-3}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
db=""
if [ "$store" = sqlite ]; then
  url="sqlite://$dir/check.db"
else
  admin=${TEST_DATABASE_URL:?TEST_DATABASE_URL names the PostgreSQL server}
  db="authcheck_$$"
  psql "$admin" -qc "CREATE DATABASE $db" >/dev/null
  url="${admin%/*}/$db"
fi
DATABASE_URL=$url LEPTOS_SITE_ADDR=127.0.0.1:$port SIGNEDIN_RATE_LIMITS=off SIGNEDIN_LOG=warn \
  SIGNEDIN_PRUNE_INTERVAL_SECS=0 target/release/signedin >/dev/null 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  if [ -n "$db" ]; then psql "$admin" -qc "DROP DATABASE IF EXISTS $db" >/dev/null; fi
  rm -rf "$dir"
}
trap cleanup EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
body='{"email":"wrk@example.com","password":"correct horse battery staple"}'
curl -fs -X POST -H 'content-type: application/json' -d "$body" "http://127.0.0.1:$port/auth/signup" >/dev/null
token=$(curl -fs -X POST -H 'content-type: application/json' -d "$body" "http://127.0.0.1:$port/auth/login" \
  | python3 -c 'import sys, json; print(json.load(sys.stdin)["access_token"])')
check="http://127.0.0.1:$port/auth/check"
wrk -t2 -c32 -d3s -H "authorization: Bearer $token" "$check" >/dev/null  # warm-up
for _ in $(seq 1 "$rounds"); do
  wrk -t2 -c32 -d8s --latency -H "authorization: Bearer $token" "$check" | grep -E "Requests/sec|99%|Non-2xx"
done
