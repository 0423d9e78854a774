#!/usr/bin/env bash
# Two release servers on one PostgreSQL database (a fresh one on the server TEST_DATABASE_URL
# names), and the Playwright suite that drives one device through each: the live devices page
# must hear, through the database alone, what the other node did. Run by scripts/test.sh after
# the main end-to-end suite has built target/release/signedin and target/site.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${TEST_DATABASE_URL:?the two-node suite needs TEST_DATABASE_URL}"

name="signedin_e2e_nodes"
export PGOPTIONS="--client-min-messages=warning"
psql -q "$TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null
psql -q "$TEST_DATABASE_URL" -c "CREATE DATABASE $name" >/dev/null
database_url="${TEST_DATABASE_URL%/*}/$name"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port_a="$(free_port)"
port_b="$(free_port)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -q "$TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

for port in "$port_a" "$port_b"; do
  DATABASE_URL="$database_url" LEPTOS_SITE_ADDR="127.0.0.1:$port" \
  SIGNEDIN_RATE_LIMITS="signin_ip=600/60,signin_account=100/60" \
  SIGNEDIN_LOG_FORMAT=pretty SIGNEDIN_LOG=warn \
    target/release/signedin &
  pids+=("$!")
done
ready() {
  python3 - "$1" <<'PY'
import sys, time, urllib.request
deadline = time.time() + 30
while True:
    try:
        if urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/readyz", timeout=1).status == 200:
            break
    except Exception:
        if time.time() > deadline:
            sys.exit(f"node on port {sys.argv[1]} did not become ready")
        time.sleep(0.1)
PY
}
for port in "$port_a" "$port_b"; do ready "$port"; done

cd end2end
SIGNEDIN_NODE_A="http://127.0.0.1:$port_a" SIGNEDIN_NODE_B="http://127.0.0.1:$port_b" \
  npx playwright test --config playwright.nodes.config.ts
