#!/usr/bin/env bash
# New sign-in alerts, end to end, with real components on free ports: a release server with
# Debian's aiosmtpd as its SMTP server (scripts/alerts/mail_sink.py) and a webhook receiver
# that verifies every delivery with the reference Standard Webhooks library
# (scripts/alerts/webhook_receiver.py, PyPI standardwebhooks in target/alerts-venv). In
# parallel:
#   journey   the Playwright suite in end2end/alerts (Debian's Chromium): a new place emailed,
#             "This wasn't me" / "Yes, it was me" confirmed from a fresh context
#   faults    scripts/alerts/faults.py, each against servers of its own: receiver down a
#             minute; kill -9 with 500 pending; two nodes on PostgreSQL (TEST_DATABASE_URL;
#             skipped with a warning when unset); slow/500/redirect receivers; dead letter and
#             `signedin outbox retry`; the email digest (SIGNEDIN_ALERT_EMAILS=2/20); the other
#             alert emails (reuse, signed out everywhere, password changed)
# after a self-test of the receivers and checks themselves (scripts/alerts/selftest.py).
# Everything started here is stopped at exit, however the script ends. Run by scripts/test.sh
# after the release build exists (target/release/signedin, target/site); it never builds.
#
#   scripts/e2e-alerts.sh [--only journey,down,kill9,nodes,receivers,dead,digest,emails] [--break NAME]...
#
# --break NAME sabotages the tests' side on purpose (never the server) to see the checks fail:
# wrong-secret, drop, no-restart, lost-ack, no-retry, digest, no-mail (see scripts/alerts/faults.py;
# no-mail also takes SMTP from the journey's server). A run with --break must fail.
# SIGNEDIN_ALERTS_KEEP=1 keeps the temporary directory (logs, mails, deliveries, databases).
#
# Needs: /usr/bin/python3 with python3-aiosmtpd and venv, /usr/bin/chromium, sqlite3, end2end/node_modules,
# psql for the PostgreSQL fault (scripts/setup.sh test installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

say() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }
warn() { printf '\n\033[1;33m!!! %s\033[0m\n' "$*"; }

only="journey,down,kill9,nodes,receivers,dead,digest,emails"
breaks=()
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only="$2"; shift 2 ;;
    --break) breaks+=("$2"); shift 2 ;;
    *) echo "usage: $0 [--only journey,down,kill9,nodes,receivers,dead,digest,emails] [--break NAME]..." >&2; exit 2 ;;
  esac
done
wants() { [[ ",$only," == *",$1,"* ]]; }
broken() { local b; for b in "${breaks[@]}"; do [ "$b" = "$1" ] && return 0; done; return 1; }

python="/usr/bin/python3"
[ -x "$python" ] && "$python" -c 'import aiosmtpd' 2>/dev/null ||
  { echo "e2e-alerts: Debian's python3-aiosmtpd is missing (scripts/setup.sh test, or apt-get install python3-aiosmtpd)" >&2; exit 1; }
[ -x target/release/signedin ] && [ -d target/site ] ||
  { echo "e2e-alerts: build first (cargo leptos build --release)" >&2; exit 1; }
if wants journey; then
  [ -x /usr/bin/chromium ] && [ -x end2end/node_modules/.bin/playwright ] && command -v sqlite3 >/dev/null ||
    { echo "e2e-alerts: Debian's chromium and sqlite3, and end2end/node_modules are needed (scripts/setup.sh test)" >&2; exit 1; }
fi
receiver_python="$(scripts/alerts/venv.sh)"

keep="${SIGNEDIN_ALERTS_KEEP:-}"
work="$(mktemp -d "${TMPDIR:-/tmp}/signedin-alerts.XXXXXX")"
pids=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  local i
  for i in "${!pids[@]}"; do kill -TERM "${pids[$i]}" 2>/dev/null || true; done
  for i in "${!pids[@]}"; do wait "${pids[$i]}" 2>/dev/null || true; done
  if [ "$status" -ne 0 ]; then
    for log in "$work"/journey/*.log; do
      [ -s "$log" ] || continue
      printf '\n--- last lines of %s ---\n' "${log#"$work"/}" >&2
      tail -n 30 "$log" >&2
    done
  fi
  if [ "$keep" = 1 ]; then
    echo "e2e-alerts: kept $work" >&2
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The tests choose the server's settings: nothing ambient may leak in (TEST_DATABASE_URL stays).
for var in $(compgen -e); do
  case "$var" in
    DATABASE_URL | LEPTOS_* | SIGNEDIN_*) unset "$var" ;;
  esac
done

say "The receivers and the checks, on their own (scripts/alerts/selftest.py)"
"$receiver_python" scripts/alerts/selftest.py

free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
start() { # name, then the command; output to $work/journey/name.log
  local name="$1"
  shift
  "$@" >"$work/journey/$name.log" 2>&1 &
  pids+=("$!")
}
ready() { # name, url: waits up to 30 s for a 2xx, and fails early if the process died
  "$python" - "$1" "$2" "${pids[-1]}" <<'PY'
import os, sys, time, urllib.request
name, url, pid = sys.argv[1], sys.argv[2], int(sys.argv[3])
deadline = time.time() + 30
while True:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            if 200 <= response.status < 300:
                break
    except Exception:
        pass
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(f"e2e-alerts: {name} exited at start")
    if time.time() > deadline:
        sys.exit(f"e2e-alerts: {name} did not answer {url} within 30 s")
    time.sleep(0.1)
PY
}

# --- The faults, in the background (each scenario starts and stops its own processes) ---------
faults_pid=""
faults_only="$(tr ',' '\n' <<<"$only" | grep -vx journey | paste -sd, || true)"
if [ -n "$faults_only" ]; then
  fault_breaks=()
  for b in "${breaks[@]}"; do fault_breaks+=(--break "$b"); done
  say "Faults ($faults_only) in the background; their report follows the journey"
  [ -n "${TEST_DATABASE_URL:-}" ] || ! wants nodes ||
    warn "TEST_DATABASE_URL is not set: the two-node (PostgreSQL) fault will be SKIPPED"
  mkdir -p "$work/faults"
  "$python" scripts/alerts/faults.py --work "$work/faults" --receiver-python "$receiver_python" \
    --only "$faults_only" "${fault_breaks[@]}" >"$work/faults.out" 2>&1 &
  faults_pid=$!
  pids+=("$faults_pid")
fi

# --- The journey: sink, receiver, server, Playwright --------------------------------------------
journey_status=0
if wants journey; then
  mkdir -p "$work/journey"
  smtp_port="$(free_port)"
  hook_port="$(free_port)"
  signedin_port="$(free_port)"
  base="http://127.0.0.1:$signedin_port"
  secret="whsec_$("$python" -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')"
  receiver_secret="$secret"
  broken wrong-secret && receiver_secret="whsec_$("$python" -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')"

  say "The journey: mail sink :$smtp_port, webhook receiver :$hook_port, signedin $base"
  start mail-sink "$python" scripts/alerts/mail_sink.py --port "$smtp_port" --dir "$work/journey/mail"
  "$python" - "$smtp_port" <<'PY'
import smtplib, sys, time
deadline = time.time() + 30
while True:
    try:
        with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=2) as s:
            s.noop()
        break
    except OSError:
        if time.time() > deadline:
            sys.exit("e2e-alerts: the mail sink did not answer within 30 s")
        time.sleep(0.1)
PY
  start webhook-receiver "$receiver_python" scripts/alerts/webhook_receiver.py --port "$hook_port" \
    --secret "$receiver_secret" --log "$work/journey/hooks.jsonl" --rejected "$work/journey/hooks-rejected.jsonl"
  ready webhook-receiver "http://127.0.0.1:$hook_port/_health"
  smtp_url="smtp://127.0.0.1:$smtp_port"
  broken no-mail && smtp_url=""
  start signedin env \
    DATABASE_URL="sqlite://$work/journey/signedin.db" \
    LEPTOS_SITE_ADDR="127.0.0.1:$signedin_port" \
    SIGNEDIN_PUBLIC_URL="$base" \
    ${smtp_url:+SIGNEDIN_SMTP_URL="$smtp_url"} \
    SIGNEDIN_MAIL_FROM='signedin <alerts@example.test>' \
    SIGNEDIN_WEBHOOK_URL="http://127.0.0.1:$hook_port/hook" \
    SIGNEDIN_WEBHOOK_SECRET="$secret" \
    SIGNEDIN_TRUSTED_PROXIES=127.0.0.1 \
    SIGNEDIN_RATE_LIMITS="signin_ip=600/60,signin_account=100/60" \
    SIGNEDIN_LOG_FORMAT=pretty SIGNEDIN_LOG=warn \
    target/release/signedin
  ready signedin "$base/readyz"

  say "Playwright: the alert journey (end2end/alerts)"
  # In the background and waited for, so that a signal to this script is handled at once.
  (cd end2end &&
    SIGNEDIN_ALERTS_BASE="$base" \
    SIGNEDIN_ALERTS_MAIL_DIR="$work/journey/mail" \
    SIGNEDIN_ALERTS_HOOKS="$work/journey/hooks.jsonl" \
    SIGNEDIN_ALERTS_PYTHON="$python" \
    SIGNEDIN_ALERTS_SECRET="$secret" \
    SIGNEDIN_ALERTS_DB="$work/journey/signedin.db" \
      exec node_modules/.bin/playwright test --config playwright.alerts.config.ts) &
  pids+=("$!")
  wait "$!" || journey_status=$?
  rejected="$(cat "$work/journey/hooks-rejected.jsonl" 2>/dev/null | wc -l)"
  if [ "$rejected" -ne 0 ]; then
    warn "the journey's receiver refused $rejected delivery(ies) whose signature did not verify"
    head -n 2 "$work/journey/hooks-rejected.jsonl" >&2
    journey_status=1
  fi
fi

faults_status=0
if [ -n "$faults_pid" ]; then
  wait "$faults_pid" || faults_status=$?
  say "Faults"
  cat "$work/faults.out"
fi

if [ "$journey_status" -ne 0 ] || [ "$faults_status" -ne 0 ]; then
  warn "e2e-alerts: FAILED (journey exit $journey_status, faults exit $faults_status)"
  exit 1
fi
if [ ${#breaks[@]} -gt 0 ]; then
  warn "e2e-alerts: passed although --break ${breaks[*]} was given: that check cannot see its fault"
  exit 1
fi
say "Alerts end to end: all passed"
