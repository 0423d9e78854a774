#!/usr/bin/env bash
# Every test: unit and integration tests on SQLite and on PostgreSQL (the server
# TEST_DATABASE_URL names, or a throwaway one started here and removed at exit), then the
# Playwright suite in Chromium against a release build.
# SIGNEDIN_TEST_SKIP_POSTGRES=1 (and no TEST_DATABASE_URL) skips PostgreSQL, and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/scripts/npm/node_modules/.bin:$HOME/.cargo/bin:$PATH"
say() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }
warn() { printf '\n\033[1;33m!!! %s\033[0m\n' "$*"; }

# The tests choose their own settings: an ambient server setting (a public URL, trusted
# proxies, a DATABASE_URL naming a real database) must not change what they test.
for var in $(compgen -e); do
  case "$var" in
    SIGNEDIN_TEST_*) ;;
    DATABASE_URL | LEPTOS_* | SIGNEDIN_*) unset "$var" ;;
  esac
done

# Tests that need the location databases fail (rather than skip) when they are missing.
export SIGNEDIN_REQUIRE_GEO=1
postgres_skipped=""
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  say "Unit and integration tests on SQLite and on the PostgreSQL server TEST_DATABASE_URL names"
elif [ "${SIGNEDIN_TEST_SKIP_POSTGRES:-}" = 1 ]; then
  postgres_skipped=1
  warn "SIGNEDIN_TEST_SKIP_POSTGRES=1: the PostgreSQL suites will be SKIPPED"
  say "Unit and integration tests on SQLite only"
else
  . scripts/postgres.sh
  # Stop and delete the throwaway server however this script ends; signals become exits
  # so the EXIT trap runs for them too.
  trap postgres_stop EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  postgres_start
  say "Unit and integration tests on SQLite and on a throwaway PostgreSQL ($TEST_DATABASE_URL)"
fi
cargo test --workspace --exclude frontend

# The fuzz targets (their own crate, built with cargo-fuzz on nightly) must keep compiling
# against today's code; their corpora are replayed by the test suites above.
say "Fuzz targets compile (stable, type-check only)"
cargo check --manifest-path fuzz/Cargo.toml --target-dir target/fuzz-check --locked

# The load benchmark's smoke mode, built in the test profile (no second optimised build):
# it proves the benchmark still runs with zero errors; speed is not judged here.
say "Load benchmark, smoke mode (a few seconds per store; speed not judged)"
cargo test -p server --bench load -- --smoke

# On a port of its own, so a `make run` on :3000 is never what gets tested; the suite's
# readiness probe and pages follow SIGNEDIN_BASE_URL.
e2e_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export LEPTOS_SITE_ADDR="127.0.0.1:$e2e_port" SIGNEDIN_BASE_URL="http://127.0.0.1:$e2e_port"
say "End-to-end tests: release build, Debian's Chromium, a fresh database, port $e2e_port"
say "Building the browser client the end-to-end suite loads (clients/browser)"
(cd clients/browser && npm run build)
rm -rf target/e2e
mkdir -p target/e2e
DATABASE_URL="sqlite://target/e2e/signedin.db" \
SIGNEDIN_RATE_LIMITS="signin_ip=600/60,signin_account=100/60" \
SIGNEDIN_TRUSTED_PROXIES="127.0.0.1" \
SIGNEDIN_E2E_DB="$PWD/target/e2e/signedin.db" \
SIGNEDIN_LOG_FORMAT=pretty SIGNEDIN_LOG=warn \
  cargo leptos end-to-end --release

# signedin in front of an existing app: nginx and Caddy forward-auth, the FastAPI example
# verifying tokens with the JWKS (docs/INTEGRATION.md).
say "End-to-end through real gateways: nginx, Caddy and the FastAPI example"
scripts/e2e-gateway.sh

# New sign-in alerts with a real SMTP server (Debian's aiosmtpd) and a webhook receiver that
# verifies with the reference Standard Webhooks library: the browser journey ("This wasn't me"),
# then the faults (receiver down, kill -9, slow/500/redirect receivers, dead letter, digest, and
# two nodes on the PostgreSQL server TEST_DATABASE_URL names, skipped with a warning without it).
say "End-to-end: new sign-in alerts, emails and signed webhooks, and their faults"
scripts/e2e-alerts.sh

# The metrics listener (SIGNEDIN_METRICS_ADDR): `promtool check metrics` on a scrape after real
# traffic, nothing on the public port, the expected families and values, no personal data in
# any label, and a real Prometheus (Debian's) scraping it.
say "End-to-end: Prometheus metrics (promtool, privacy of labels, a real Prometheus scrape)"
scripts/e2e-metrics.sh

# Two nodes on one PostgreSQL database, one device on each: the live page must hear what the
# other node did; then the same two nodes behind nginx as deployed (docs/DEPLOY.md), with a
# rolling restart under load. Needs PostgreSQL, so it runs unless those suites were skipped.
if [ -z "$postgres_skipped" ]; then
  say "End-to-end on two nodes sharing one PostgreSQL database"
  scripts/e2e-nodes.sh
  say "End-to-end as deployed: two nodes on PostgreSQL behind nginx, a rolling restart"
  scripts/e2e-deploy.sh
fi

say "Forward-auth benchmark, smoke mode (1 s per row through nginx; speed not judged)"
scripts/bench-forward-auth.sh --smoke

say "Alerts benchmark, smoke mode (sign-in throughput with alerts off and on; speed not judged)"
scripts/bench-alerts.sh --smoke

say "The page's bundle within its budget (gzip -9)"
scripts/bundle-budget.sh
if [ -n "$postgres_skipped" ]; then
  warn "Every other test passed, but the PostgreSQL suites were SKIPPED (SIGNEDIN_TEST_SKIP_POSTGRES=1): not every test ran"
else
  say "All tests passed"
fi
