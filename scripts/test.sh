#!/usr/bin/env bash
# Every test: unit and integration tests on SQLite (and on PostgreSQL when
# TEST_DATABASE_URL is set), then the Playwright suite in Chromium against a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/scripts/npm/node_modules/.bin:$HOME/.cargo/bin:$PATH"
say() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }

# Tests that need the location databases fail (rather than skip) when they are missing.
export SIGNEDIN_REQUIRE_GEO=1
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  say "Unit and integration tests on SQLite and PostgreSQL"
else
  say "Unit and integration tests on SQLite (set TEST_DATABASE_URL=postgres://… to add PostgreSQL)"
fi
cargo test --workspace --exclude frontend

# The load benchmark's smoke mode, built in the test profile (no second optimised build):
# it proves the benchmark still runs with zero errors; speed is not judged here.
say "Load benchmark, smoke mode (a few seconds per store; speed not judged)"
cargo test -p server --bench load -- --smoke

say "End-to-end tests: release build, Debian's Chromium, a fresh database"
rm -rf target/e2e
mkdir -p target/e2e
DATABASE_URL="sqlite://target/e2e/signedin.db" \
SIGNEDIN_RATE_LIMITS="signin_ip=600/60,signin_account=100/60" \
SIGNEDIN_REAUTH_MAX_AGE_SECS=4 \
SIGNEDIN_LOG_FORMAT=pretty SIGNEDIN_LOG=warn \
  cargo leptos end-to-end --release
say "All tests passed"
