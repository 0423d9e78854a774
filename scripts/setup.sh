#!/usr/bin/env bash
# Installs what `make run` (setup.sh run) or `make test` (setup.sh test) needs, skipping
# whatever is already there. Reaches only rustup's dist server, crates.io, npm and Debian's apt.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-run}"
say() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }

toolchain="$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)"
cargo_leptos_version="0.3.10"
wasm_bindgen_version="$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' Cargo.toml)"

apt_install() {
  if ! apt-get install -y --no-install-recommends "$@"; then
    apt-get update
    apt-get install -y --no-install-recommends "$@"
  fi
}

# --- Rust -------------------------------------------------------------------------------
# rustup's own directory first: a shell that never sourced ~/.cargo/env still finds it.
export PATH="$HOME/.cargo/bin:$PATH"
if ! have rustup; then
  say "Installing rustup (from static.rust-lang.org)"
  have curl || apt_install curl ca-certificates
  curl --proto '=https' --tlsv1.2 -sSf "https://static.rust-lang.org/rustup/dist/$(uname -m)-unknown-linux-gnu/rustup-init" -o /tmp/rustup-init
  chmod +x /tmp/rustup-init
  /tmp/rustup-init -y --profile minimal --default-toolchain none
  rm -f /tmp/rustup-init
fi
export PATH="$HOME/.cargo/bin:$PATH"
if ! rustup target list --installed --toolchain "$toolchain" 2>/dev/null | grep -q wasm32-unknown-unknown; then
  say "Installing Rust $toolchain with the wasm32-unknown-unknown target"
  rustup toolchain install "$toolchain" --profile minimal --component rustfmt,clippy --target wasm32-unknown-unknown
fi
have cc || { say "Installing a C compiler (SQLite is built from source)"; apt_install build-essential pkg-config; }

# Tools are built once; they need no link-time optimisation (saves about half the build).
fast_install() {
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo +"$toolchain" install --locked "$@"
}
if ! cargo leptos --version 2>/dev/null | grep -q "$cargo_leptos_version"; then
  say "Installing cargo-leptos $cargo_leptos_version (a one-time build of several minutes)"
  fast_install cargo-leptos --version "$cargo_leptos_version"
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q "$wasm_bindgen_version"; then
  say "Installing wasm-bindgen-cli $wasm_bindgen_version (must match the wasm-bindgen crate exactly)"
  fast_install wasm-bindgen-cli --version "$wasm_bindgen_version"
fi

# --- Node tools (wasm-opt from npm: Debian's binaryen 108 silently breaks hydration) ------
if ! have npm; then
  say "Installing Node.js and npm"
  apt_install nodejs npm
fi
npm_ci() {
  local dir="$1"
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.installed" ]; then
    say "Installing npm packages in $dir"
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
    touch "$dir/node_modules/.installed"
  fi
}
npm_ci scripts/npm

# --- Data: the city database for locations ------------------------------------------------
scripts/fetch-geo.sh

# --- Test-only: Chromium and Playwright -----------------------------------------------------
if [ "$mode" = "test" ]; then
  if ! have sqlite3; then
    say "Installing Debian's sqlite3 (the browser tests age a session's last password entry with it)"
    apt_install sqlite3
  fi
  if [ ! -x /usr/bin/chromium ]; then
    say "Installing Debian's Chromium for the browser tests"
    apt_install chromium
  fi
  npm_ci end2end
  npm_ci clients/browser
  # The gateway and deployment suites: Debian's nginx and Caddy in front of the server, wrk
  # for the forward-auth benchmark's smoke run, and a Python venv for the FastAPI example.
  for tool in nginx caddy wrk; do
    if ! have "$tool" && [ ! -x "/usr/sbin/$tool" ]; then
      say "Installing Debian's $tool (gateway tests)"
      apt_install "$tool"
    fi
  done
  # The alert suite: Debian's aiosmtpd as the test SMTP server (run by /usr/bin/python3), and
  # the webhook receiver's venv with the reference standardwebhooks package (PyPI, pinned).
  if ! /usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1; then
    say "Installing Debian's python3-aiosmtpd (the alert tests' SMTP server)"
    apt_install python3-aiosmtpd
  fi
  # The deployment suite makes a self-signed certificate and probes with curl.
  have openssl || apt_install openssl
  have curl || apt_install curl ca-certificates
  if ! /usr/bin/python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    say "Installing Debian's python3-venv (the FastAPI example's tests)"
    apt_install python3-venv
  fi
  scripts/alerts/venv.sh >/dev/null
  # The metrics suite: Debian's prometheus, for `promtool check metrics` and a real server that
  # the test starts on a port of its own. Its package starts a system service at install time,
  # which without an init system can fail the install (or leave a daemon on :9090), so service
  # starts are refused meanwhile (policy-rc.d exit 101, the Debian way); where systemd runs, the
  # service is disabled: the tests need the binaries, not a Prometheus listening for good.
  if ! have promtool; then
    say "Installing Debian's prometheus (promtool and a server for the metrics test)"
    (
      policy=/usr/sbin/policy-rc.d
      if [ ! -e "$policy" ]; then
        trap 'rm -f "$policy"' EXIT
        printf '#!/bin/sh\n# scripts/setup.sh: no service starts while installing\nexit 101\n' >"$policy"
        chmod 755 "$policy"
      fi
      apt_install prometheus
    )
    if [ -d /run/systemd/system ] && have systemctl; then
      systemctl disable --now prometheus.service >/dev/null 2>&1 || true
    fi
  fi
  # test.sh starts a throwaway PostgreSQL unless given a server or told to skip it.
  if [ -z "${TEST_DATABASE_URL:-}" ] && [ "${SIGNEDIN_TEST_SKIP_POSTGRES:-}" != 1 ] \
    && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    say "Installing Debian's PostgreSQL for the PostgreSQL test suites"
    apt_install postgresql
  fi
fi
say "Set-up complete"
