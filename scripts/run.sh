#!/usr/bin/env bash
# Builds the release server and WASM bundle, then serves on http://127.0.0.1:3000
# (SQLite under data/ by default; see the README for settings).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/scripts/npm/node_modules/.bin:$HOME/.cargo/bin:$PATH"
printf '\n\033[1;34m==> %s\033[0m\n' "Building (release). The first build compiles everything and takes several minutes."
cargo leptos build --release
printf '\n\033[1;34m==> %s\033[0m\n' "Serving on http://${LEPTOS_SITE_ADDR:-127.0.0.1:3000} (database: ${DATABASE_URL:-sqlite://data/signedin.db}). Ctrl-C stops."
exec target/release/signedin --log-format pretty
