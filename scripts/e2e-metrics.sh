#!/usr/bin/env bash
# The metrics listener (SIGNEDIN_METRICS_ADDR), end to end with real components on free ports: a
# release server on SQLite with tight sign-in limits, behind a "proxy" it trusts (127.0.0.1, so
# every request comes from 81.2.69.142 by X-Forwarded-For), and Debian's Prometheus scraping it
# every second. Traffic (curl and /usr/bin/python3): a sign-up, sign-ins (right password, wrong
# password, until one is rate-limited), refreshes (rotated, replayed inside the grace window,
# replayed after it: reuse), a sign-out, a device signed out from another, an unknown path and
# an unknown method, and a live stream held open while /metrics is scraped. Then:
#   1 promtool   `promtool check metrics` passes on the scrape (syntax and lint: HELP, TYPE,
#                suffixes); the answer is text format 0.0.4
#   2 public     GET /metrics on the public port is 404 (and shows no metric)
#   3 families   every family of the contract, with its type, and values the traffic implies
#                (sign_ins ok/invalid_credentials/rate_limited, refreshes rotated/grace/
#                reuse_detected, sessions ended signed_out/reuse_detected, the signin_ip limit,
#                requests by route template and status, consistent histograms, an open stream,
#                build_info 1 with the binary's version)
#   4 privacy    no email, user id, session id, token, password, IP, raw path or raw method in
#                the exposition, and every label name and value from its fixed set
#   5 prometheus a real Prometheus scrapes the listener: up{job="signedin"} is 1 and
#                signedin_sign_ins_total is queryable through its HTTP API
# Everything started here is stopped at exit, however the script ends. Run by scripts/test.sh
# after the release build exists (target/release/signedin); it never builds.
#
#   scripts/e2e-metrics.sh [--break NAME]...
#
# --break NAME sabotages the test's side on purpose (never the server) to see a check fail; a run
# with --break always exits non-zero, and says so when the check it aims at did not fail:
#   corrupt            a malformed line is appended to what promtool reads        (check 1)
#   public-port        the "public" probe asks the metrics listener instead        (check 2)
#   bogus-metric       check 3 also requires a family the server does not have     (check 3)
#   no-wrong-password  the traffic never enters a wrong password                   (check 3)
#   leak               lines carrying the user's email, ids, IP and tokens are
#                      added to what the privacy scan reads                        (check 4)
#   label              lines with labels outside the fixed sets are added likewise (check 4)
#   wrong-port         Prometheus is pointed at a port nobody listens on           (check 5)
# SIGNEDIN_METRICS_KEEP=1 keeps the temporary directory (logs, scrapes, database, Prometheus data).
#
# Needs: /usr/bin/promtool and /usr/bin/prometheus (Debian's prometheus; scripts/setup.sh test
# installs it), curl, /usr/bin/python3.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }
warn() { printf '\n\033[1;33m!!! %s\033[0m\n' "$*"; }

known_breaks=" corrupt public-port bogus-metric no-wrong-password leak label wrong-port "
breaks=()
while [ $# -gt 0 ]; do
  case "$1" in
    --break)
      [ $# -ge 2 ] && [[ "$known_breaks" == *" $2 "* ]] ||
        { echo "e2e-metrics: --break takes one of:$known_breaks" >&2; exit 2; }
      breaks+=("$2"); shift 2 ;;
    *) echo "usage: $0 [--break NAME]...   (NAME:$known_breaks)" >&2; exit 2 ;;
  esac
done
broken() { local b; for b in "${breaks[@]}"; do [ "$b" = "$1" ] && return 0; done; return 1; }

python="/usr/bin/python3"
[ -x "$python" ] || python="$(command -v python3)"
promtool="$(command -v promtool || echo /usr/bin/promtool)"
prometheus="$(command -v prometheus || echo /usr/bin/prometheus)"
[ -x "$promtool" ] && [ -x "$prometheus" ] ||
  { echo "e2e-metrics: Debian's prometheus (promtool and the server) is missing (scripts/setup.sh test, or apt-get install prometheus)" >&2; exit 1; }
command -v curl >/dev/null || { echo "e2e-metrics: curl is missing" >&2; exit 1; }
[ -x target/release/signedin ] ||
  { echo "e2e-metrics: build first (cargo leptos build --release)" >&2; exit 1; }

started=$SECONDS
keep="${SIGNEDIN_METRICS_KEEP:-}" # read now: SIGNEDIN_* is cleared below
work="$(mktemp -d "${TMPDIR:-/tmp}/signedin-metrics.XXXXXX")"
pids=()
helper="" # the foreground helper run_bg waits for
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  local i
  [ -z "$helper" ] || kill -TERM "$helper" 2>/dev/null || true
  for i in "${!pids[@]}"; do kill -TERM "${pids[$i]}" 2>/dev/null || true; done
  for i in "${!pids[@]}"; do wait "${pids[$i]}" 2>/dev/null || true; done
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.log; do
      [ -s "$log" ] || continue
      printf '\n--- last lines of %s ---\n' "${log##*/}" >&2
      tail -n 30 "$log" >&2
    done
  fi
  if [ "$keep" = 1 ]; then
    echo "e2e-metrics: kept $work" >&2
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The test chooses the server's settings: nothing ambient may leak in.
for var in $(compgen -e); do
  case "$var" in
    DATABASE_URL | LEPTOS_* | SIGNEDIN_*) unset "$var" ;;
  esac
done

# Runs "$@" (stdin included) in the background and waits for it, so that a signal to this script
# is handled at once rather than after the helper.
run_bg() {
  local status=0
  "$@" <&0 &
  helper=$!
  wait "$helper" || status=$?
  helper=""
  return "$status"
}

free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
public_port="$(free_port)"
metrics_port="$(free_port)"
prometheus_port="$(free_port)"
nobody_port="$(free_port)" # bound a moment ago and released: nobody listens there
ports=("$public_port" "$metrics_port" "$prometheus_port" "$nobody_port")
if [ "$(printf '%s\n' "${ports[@]}" | sort -u | wc -l)" -ne "${#ports[@]}" ]; then
  echo "e2e-metrics: the OS handed out one port twice; run again" >&2
  exit 1
fi
public="http://127.0.0.1:$public_port"
metrics="http://127.0.0.1:$metrics_port"
prom="http://127.0.0.1:$prometheus_port"
client_ip="81.2.69.142"

start() { # name, then the command; output to $work/name.log
  local name="$1"
  shift
  "$@" >"$work/$name.log" 2>&1 &
  pids+=("$!")
}
ready() { # name, url, pid: waits up to 30 s for a 2xx, and fails early if the process died
  run_bg "$python" - "$1" "$2" "$3" <<'PY'
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
        sys.exit(f"e2e-metrics: {name} exited at start")
    if time.time() > deadline:
        sys.exit(f"e2e-metrics: {name} did not answer {url} within 30 s")
    time.sleep(0.1)
PY
}

# --- signedin -----------------------------------------------------------------------------------
# signin_ip=6/60: the sign-up and five password sign-ins pass, the next is refused (429). A one
# second grace window: a replay at once is "grace", one 1.5 s later is reuse.
say "signedin on :$public_port, metrics on :$metrics_port"
start signedin env \
  DATABASE_URL="sqlite://$work/signedin.db" \
  LEPTOS_SITE_ADDR="127.0.0.1:$public_port" \
  SIGNEDIN_METRICS_ADDR="127.0.0.1:$metrics_port" \
  SIGNEDIN_TRUSTED_PROXIES=127.0.0.1 \
  SIGNEDIN_RATE_LIMITS="signin_ip=6/60,signin_account=100/60,signin_failures=100/3600" \
  SIGNEDIN_REUSE_GRACE_SECS=1 \
  SIGNEDIN_LOG_FORMAT=pretty SIGNEDIN_LOG=warn \
  target/release/signedin
signedin_pid="${pids[-1]}"

# --- Prometheus, started at once: it is ready by the time the traffic is done -------------------
scrape_port="$metrics_port"
broken wrong-port && scrape_port="$nobody_port"
mkdir -p "$work/prometheus"
cat >"$work/prometheus/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: signedin
    static_configs:
      - targets: ["127.0.0.1:$scrape_port"]
EOF
"$promtool" check config "$work/prometheus/prometheus.yml" >"$work/promtool-config.out" 2>&1 ||
  { cat "$work/promtool-config.out" >&2; exit 1; }
say "Prometheus on :$prometheus_port, scraping 127.0.0.1:$scrape_port every second"
start prometheus "$prometheus" \
  --config.file="$work/prometheus/prometheus.yml" \
  --storage.tsdb.path="$work/prometheus/data" \
  --web.listen-address="127.0.0.1:$prometheus_port" \
  --log.level=warn
prometheus_pid="${pids[-1]}"

ready signedin "$public/readyz" "$signedin_pid"
ready "the metrics listener" "$metrics/metrics" "$signedin_pid"

# --- Traffic ------------------------------------------------------------------------------------
say "Traffic: sign-up, sign-ins (ok, wrong password, rate-limited), refreshes, sign-outs"
no_wrong_password=0
broken no-wrong-password && no_wrong_password=1
run_bg "$python" - "$public" "$client_ip" "$work/secrets.json" "$no_wrong_password" <<'PY'
import json, secrets, sys, time, urllib.error, urllib.request

base, client_ip, out, no_wrong_password = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"

def call(method, path, body=None, token=None):
    headers = {"User-Agent": UA, "X-Forwarded-For": client_ip}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, None

def expect(what, got, want):
    status, body = got
    if status != want:
        sys.exit(f"e2e-metrics: traffic: {what}: expected {want}, got {status} {body}")
    return body

tag = secrets.token_hex(6)
email = f"metrics-{tag}@example.test"
password = f"pw-{secrets.token_hex(8)}-horse"
seen = {"email": email, "password": password, "ip": client_ip, "tag": tag,
        "user_ids": [], "session_ids": [], "jti_prefixes": [], "access_tokens": [],
        "refresh_tokens": []}

def login(what):
    body = expect(what, call("POST", "/auth/login", {"email": email, "password": password}), 200)
    seen["access_tokens"].append(body["access_token"])
    seen["refresh_tokens"].append(body["refresh_token"])
    seen["session_ids"].append(body["session"]["id"])
    seen["jti_prefixes"].append(body["session"]["jti_prefix"])
    return body

body = expect("sign-up", call("POST", "/auth/signup", {"email": email, "password": password}), 201)
seen["user_ids"].append(body["user_id"])

# A: refreshed, its old token replayed inside the grace window, then after it (reuse: A ends).
a = login("sign-in A")
r0 = a["refresh_token"]
r1 = expect("refresh (rotated)", call("POST", "/auth/refresh", {"refresh_token": r0}), 200)
seen["access_tokens"].append(r1["access_token"])
seen["refresh_tokens"].append(r1["refresh_token"])
r1b = expect("the same refresh again inside the grace window", call("POST", "/auth/refresh", {"refresh_token": r0}), 200)
seen["access_tokens"].append(r1b["access_token"])
seen["refresh_tokens"].append(r1b["refresh_token"])
time.sleep(1.5)
expect("the old refresh token after the grace window (reuse)", call("POST", "/auth/refresh", {"refresh_token": r0}), 401)

# B signs C out by its id, then signs itself out.
b = login("sign-in B")
c = login("sign-in C")
expect("B signs C out (DELETE /me/sessions/{id})", call("DELETE", f"/me/sessions/{c['session']['id']}", token=b["access_token"]), 204)
expect("B signs out", call("POST", "/auth/logout", token=b["access_token"]), 204)

if not no_wrong_password:
    expect("a wrong password", call("POST", "/auth/login", {"email": email, "password": password + "x"}), 401)

# Sign in until the per-address limit refuses; the last session that got in stays live.
live = None
for attempt in range(6):
    status, body = call("POST", "/auth/login", {"email": email, "password": password})
    if status == 429:
        break
    expect(f"sign-in #{attempt + 1} before the limit", (status, body), 200)
    seen["access_tokens"].append(body["access_token"])
    seen["refresh_tokens"].append(body["refresh_token"])
    seen["session_ids"].append(body["session"]["id"])
    seen["jti_prefixes"].append(body["session"]["jti_prefix"])
    live = body
else:
    sys.exit("e2e-metrics: traffic: no sign-in was rate-limited (SIGNEDIN_RATE_LIMITS signin_ip)")
if live is None:
    sys.exit("e2e-metrics: traffic: no session is left for the live stream")

# A path and a method no route has: neither may become a label value.
seen["odd_path"] = f"/no-such-page-{tag}"
seen["odd_method"] = f"BREW{tag.upper()}"
call("GET", seen["odd_path"])
call(seen["odd_method"], "/auth/check")

seen["stream_token"] = live["access_token"]
with open(out, "w") as f:
    json.dump(seen, f)
print(f"   {len(seen['session_ids'])} sessions, {len(seen['refresh_tokens'])} refresh tokens, from {client_ip}")
PY

# A live stream (GET /me/sessions/events), held open while /metrics is scraped.
stream_token="$("$python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["stream_token"])' "$work/secrets.json")"
curl -sS -N -H "Authorization: Bearer $stream_token" -H "X-Forwarded-For: $client_ip" \
  -o "$work/stream.out" "$public/me/sessions/events" 2>"$work/stream.log" &
pids+=("$!")
stream_pid=$!
for _ in $(seq 100); do
  grep -q '^retry:' "$work/stream.out" 2>/dev/null && break
  kill -0 "$stream_pid" 2>/dev/null || break
  sleep 0.1
done
grep -q '^retry:' "$work/stream.out" 2>/dev/null ||
  { echo "e2e-metrics: the live stream did not open" >&2; exit 1; }

say "Scraping $metrics/metrics"
curl -sS --fail -D "$work/metrics.headers" -o "$work/metrics.txt" "$metrics/metrics"
kill -TERM "$stream_pid" 2>/dev/null || true
wait "$stream_pid" 2>/dev/null || true
printf '   %s lines, %s samples\n' "$(wc -l <"$work/metrics.txt")" "$(grep -vc '^#' "$work/metrics.txt" || true)"

failed=()
pass() { printf '\033[1;32mok\033[0m   %s\n' "$*"; }
fail() { printf '\033[1;31mFAIL\033[0m %s\n' "$*"; failed+=("$1"); }

# --- 1. promtool --------------------------------------------------------------------------------
say "1. promtool check metrics"
cp "$work/metrics.txt" "$work/promtool-input.txt"
broken corrupt && printf 'signedin_sign_ins_total{outcome="ok" 1\n' >>"$work/promtool-input.txt"
content_type="$(tr -d '\r' <"$work/metrics.headers" | sed -n 's/^[Cc]ontent-[Tt]ype: *//p' | tail -n 1)"
if "$promtool" check metrics <"$work/promtool-input.txt" >"$work/promtool.out" 2>&1; then
  if [[ "$content_type" == text/plain*version=0.0.4* ]]; then
    pass "promtool: the exposition is well-formed and lint-clean (Content-Type: $content_type)"
  else
    fail promtool "Content-Type is '$content_type', not text/plain; version=0.0.4"
  fi
else
  fail promtool "promtool check metrics (exit $?):"
  sed 's/^/       /' "$work/promtool.out" | head -n 20
fi

# --- 2. Not on the public port ------------------------------------------------------------------
say "2. GET /metrics on the public port"
probe="$public"
broken public-port && probe="$metrics"
public_status="$(curl -sS -o "$work/public-metrics.txt" -w '%{http_code}' "$probe/metrics")"
if [ "$public_status" = 404 ] && ! grep -q 'signedin_' "$work/public-metrics.txt"; then
  pass "public: $probe/metrics is 404"
else
  fail public "$probe/metrics answered $public_status (expected 404, and no metric in the body)"
fi

# --- 3 and 4. The families and values; privacy and the fixed label sets --------------------------
say "3. The families and their values, 4. no personal data and only fixed label values"
cp "$work/metrics.txt" "$work/privacy-input.txt"
if broken leak; then
  "$python" - "$work/secrets.json" >>"$work/privacy-input.txt" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
for label, value in [("email", s["email"]), ("user", s["user_ids"][0]), ("session", s["session_ids"][0]),
                     ("ip", s["ip"]), ("token", s["refresh_tokens"][0]), ("access", s["access_tokens"][0])]:
    print(f'signedin_sign_ins_total{{outcome="ok",{label}="{value}"}} 1')
PY
fi
if broken label; then
  cat >>"$work/privacy-input.txt" <<'EOF'
signedin_rate_limited_total{limit="made_up"} 1
signedin_http_requests_total{route="/me/sessions/ses_0123456789abcdef0123456789abcdef",method="DELETE",status="204"} 1
signedin_db_connections{pool="reader",state="idle",node="a"} 1
EOF
fi
extra_family=""
broken bogus-metric && extra_family="signedin_bogus_total"
version="$(target/release/signedin --version 2>/dev/null | awk '{print $2}' || true)"
run_bg "$python" - "$work/metrics.txt" "$work/privacy-input.txt" "$work/secrets.json" "$version" "$extra_family" \
  >"$work/checks.out" 2>&1 <<'PY' || true
import json, math, re, sys

metrics_file, privacy_file, secrets_file, version, extra_family = sys.argv[1:6]
seen = json.load(open(secrets_file))

def parse(text):
    """Text format 0.0.4: {family: type}, [(name, labels, value)], [errors]."""
    types, samples, errors = {}, [], []
    line_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?\s*$')
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 4 and parts[1] == "TYPE":
                types[parts[2]] = parts[3].strip()
            continue
        m = line_re.match(line)
        if not m:
            errors.append(f"line {n}: unparsable: {line[:120]}")
            continue
        labels, rest = {}, m.group(2) or ""
        i = 0
        try:
            while i < len(rest):
                lm = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"').match(rest, i)
                if not lm:
                    raise ValueError(rest[i:])
                i, value = lm.end(), []
                while rest[i] != '"':
                    if rest[i] == "\\":
                        value.append({"n": "\n", "\\": "\\", '"': '"'}[rest[i + 1]])
                        i += 2
                    else:
                        value.append(rest[i])
                        i += 1
                labels[lm.group(1)] = "".join(value)
                i = re.compile(r'\s*,?\s*').match(rest, i + 1).end()
        except (ValueError, IndexError, KeyError):
            errors.append(f"line {n}: bad labels: {line[:120]}")
            continue
        try:
            value = float(m.group(3))
        except ValueError:
            errors.append(f"line {n}: bad value: {line[:120]}")
            continue
        samples.append((m.group(1), labels, value))
    return types, samples, errors

def family_of(name, types):
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and types.get(name[: -len(suffix)]) in ("histogram", "summary"):
            return name[: -len(suffix)]
    return name

results = []
def check(group, ok, what):
    results.append((group, bool(ok), what))

# --- 3. families and values ---------------------------------------------------------------------
types, samples, errors = parse(open(metrics_file).read())
for e in errors:
    check("families", False, e)

def total(name, **want):
    return sum(v for n, l, v in samples if n == name and all(l.get(k) == w for k, w in want.items()))

def present(name, **want):
    return any(n == name and all(l.get(k) == w for k, w in want.items()) for n, l, v in samples)

expected_families = {
    "signedin_http_requests_total": "counter",
    "signedin_http_request_duration_seconds": "histogram",
    "signedin_sign_ins_total": "counter",
    "signedin_refreshes_total": "counter",
    "signedin_sessions_ended_total": "counter",
    "signedin_rate_limited_total": "counter",
    "signedin_password_hashes_waiting": "gauge",
    "signedin_password_hash_wait_seconds": "histogram",
    "signedin_db_connections": "gauge",
    "signedin_db_connections_max": "gauge",
    "signedin_db_acquire_seconds": "histogram",
    "signedin_live_sessions": "gauge",
    "signedin_event_streams": "gauge",
    "signedin_outbox_pending": "gauge",
    "signedin_build_info": "gauge",
}
if extra_family:
    expected_families[extra_family] = "counter"
for family, kind in expected_families.items():
    got = types.get(family)
    sampled = any(family_of(n, types) == family for n, _, _ in samples)
    check("families", got == kind and sampled,
          f"{family}: # TYPE {kind} with samples (got TYPE {got}, samples: {sampled})")
for family in sorted({family_of(n, types) for n, _, _ in samples}):
    check("families", family.startswith("signedin_"), f"{family}: prefixed signedin_")

def at_least(name, n, **labels):
    got = total(name, **labels)
    shown = ",".join(f'{k}="{v}"' for k, v in labels.items())
    check("values", got >= n, f"{name}{{{shown}}} >= {n} (got {got:g})")

def equals(name, n, **labels):
    got = total(name, **labels) if present(name, **labels) else None
    shown = ",".join(f'{k}="{v}"' for k, v in labels.items())
    check("values", got == n, f"{name}{{{shown}}} == {n} (got {got})")

sessions = len(seen["session_ids"])
at_least("signedin_sign_ins_total", sessions, outcome="ok")
at_least("signedin_sign_ins_total", 1, outcome="invalid_credentials")
at_least("signedin_sign_ins_total", 1, outcome="rate_limited")
at_least("signedin_rate_limited_total", 1, limit="signin_ip")
at_least("signedin_refreshes_total", 1, outcome="rotated")
at_least("signedin_refreshes_total", 1, outcome="grace")
at_least("signedin_refreshes_total", 1, outcome="reuse_detected")
at_least("signedin_sessions_ended_total", 2, reason="signed_out")  # B itself, and C by B
at_least("signedin_sessions_ended_total", 1, reason="reuse_detected")
at_least("signedin_http_requests_total", 1, route="/auth/signup", method="POST", status="201")
at_least("signedin_http_requests_total", sessions, route="/auth/login", method="POST", status="200")
at_least("signedin_http_requests_total", 1, route="/auth/login", method="POST", status="401")
at_least("signedin_http_requests_total", 1, route="/auth/login", method="POST", status="429")
at_least("signedin_http_requests_total", 2, route="/auth/refresh", method="POST", status="200")
at_least("signedin_http_requests_total", 1, route="/auth/refresh", method="POST", status="401")
at_least("signedin_http_requests_total", 1, route="/auth/logout", method="POST", status="204")
at_least("signedin_http_requests_total", 1, route="/me/sessions/{id}", method="DELETE", status="204")
at_least("signedin_http_requests_total", 1, route="other")
at_least("signedin_http_request_duration_seconds_count", sessions, route="/auth/login", method="POST", status="200")
for route, method, status in [("/auth/login", "POST", "200"), ("/auth/signup", "POST", "201")]:
    a = total("signedin_http_requests_total", route=route, method=method, status=status)
    b = total("signedin_http_request_duration_seconds_count", route=route, method=method, status=status)
    check("values", a == b, f"{route} {method} {status}: requests_total ({a:g}) == duration _count ({b:g})")
at_least("signedin_password_hash_wait_seconds_count", 1 + sessions)  # the sign-up, each sign-in
equals("signedin_password_hashes_waiting", 0)
for pool in ("reader", "writer"):
    maximum = total("signedin_db_connections_max", pool=pool)
    check("values", maximum >= 1, f'signedin_db_connections_max{{pool="{pool}"}} >= 1 (got {maximum:g})')
    held = [total("signedin_db_connections", pool=pool, state=s) for s in ("idle", "in_use")]
    check("values", present("signedin_db_connections", pool=pool, state="idle")
          and present("signedin_db_connections", pool=pool, state="in_use") and 0 <= sum(held) <= maximum,
          f'signedin_db_connections{{pool="{pool}"}}: idle {held[0]:g} + in_use {held[1]:g} within 0..max {maximum:g}')
    at_least("signedin_db_acquire_seconds_count", 1, pool=pool)
at_least("signedin_event_streams", 1)
for gauge in ("signedin_live_sessions", "signedin_outbox_pending"):
    check("values", present(gauge) and total(gauge) >= 0, f"{gauge} >= 0 (got {total(gauge) if present(gauge) else None})")
equals("signedin_build_info", 1, version=version)
check("values", len([1 for n, _, _ in samples if n == "signedin_build_info"]) == 1, "one signedin_build_info series")

# Every histogram series: buckets non-decreasing, +Inf == _count, _sum >= 0.
histograms = [f for f, t in types.items() if t == "histogram" and f.startswith("signedin_")]
for family in histograms:
    series = {}
    for n, l, v in samples:
        if n == family + "_bucket":
            key = tuple(sorted((k, x) for k, x in l.items() if k != "le"))
            series.setdefault(key, []).append((float(l["le"]), v))
    for key, buckets in series.items():
        buckets.sort()
        counts = [v for _, v in buckets]
        labels = dict(key)
        count = total(family + "_count", **labels)
        ok = (counts == sorted(counts) and buckets[-1][0] == math.inf and buckets[-1][1] == count
              and total(family + "_sum", **labels) >= 0)
        check("values", ok, f"{family}{labels}: buckets non-decreasing, +Inf == _count ({count:g}), _sum >= 0")

# --- 4. privacy: no personal data; label names and values from fixed sets -------------------------
ptext = open(privacy_file).read()
ptypes, psamples, perrors = parse(ptext)
forbidden = {"email": seen["email"], "email's local part": seen["email"].split("@")[0],
             "the password": seen["password"], "the client IP": seen["ip"],
             "the raw unknown path": seen["odd_path"], "the raw unknown method": seen["odd_method"],
             "the run's random tag": seen["tag"]}
for i, v in enumerate(seen["user_ids"]):
    forbidden[f"user id #{i}"] = v
for i, v in enumerate(seen["session_ids"]):
    forbidden[f"session id #{i}"] = v
for i, v in enumerate(seen["jti_prefixes"]):
    forbidden[f"jti prefix #{i}"] = v
for i, v in enumerate(seen["refresh_tokens"]):
    forbidden[f"refresh token #{i}"] = v
    forbidden[f"refresh token #{i} (its last 16 characters)"] = v[-16:]
for i, v in enumerate(seen["access_tokens"]):
    forbidden[f"access token #{i}"] = v
    forbidden[f"access token #{i} (its signature)"] = v.rsplit(".", 1)[-1]
leaks = [what for what, value in forbidden.items() if value and value.lower() in ptext.lower()]
for what in leaks:
    check("privacy", False, f"the exposition contains {what}")
if not leaks:
    check("privacy", True, f"none of {len(forbidden)} personal values (email, ids, tokens, password, IP, raw path and method) appears")

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "other"}
DOORS = {"signin_ip", "signin_account", "signin_failures", "refresh_ip", "refresh_session",
         "reauth_ip", "reauth_session", "revoke_session"}
def route_ok(v):
    return v == "other" or (re.fullmatch(r"(/([A-Za-z0-9._~-]+|\{[a-z_]+\}))+/?|/", v) is not None
                           and not re.search(r"[0-9a-f]{12}|ses_", v))
def number(v):
    try:
        float(v)
        return True
    except ValueError:
        return False
http = {"route": route_ok, "method": METHODS.__contains__, "status": lambda v: re.fullmatch(r"[1-5]\d\d", v) is not None}
schema = {
    "signedin_http_requests_total": http,
    "signedin_http_request_duration_seconds_bucket": {**http, "le": number},
    "signedin_http_request_duration_seconds_sum": http,
    "signedin_http_request_duration_seconds_count": http,
    "signedin_sign_ins_total": {"outcome": {"ok", "invalid_credentials", "rate_limited", "error"}.__contains__},
    "signedin_refreshes_total": {"outcome": {"rotated", "grace", "reuse_detected", "refused"}.__contains__},
    "signedin_sessions_ended_total": {"reason": {"signed_out", "admin", "reuse_detected", "expired",
                                                 "password_changed", "reported", "session_limit"}.__contains__},
    "signedin_rate_limited_total": {"limit": DOORS.__contains__},
    "signedin_password_hashes_waiting": {},
    "signedin_password_hash_wait_seconds_bucket": {"le": number},
    "signedin_password_hash_wait_seconds_sum": {},
    "signedin_password_hash_wait_seconds_count": {},
    "signedin_db_connections": {"pool": {"reader", "writer", "postgres"}.__contains__,
                                "state": {"idle", "in_use"}.__contains__},
    "signedin_db_connections_max": {"pool": {"reader", "writer", "postgres"}.__contains__},
    "signedin_db_acquire_seconds_bucket": {"pool": {"reader", "writer", "postgres"}.__contains__, "le": number},
    "signedin_db_acquire_seconds_sum": {"pool": {"reader", "writer", "postgres"}.__contains__},
    "signedin_db_acquire_seconds_count": {"pool": {"reader", "writer", "postgres"}.__contains__},
    "signedin_live_sessions": {},
    "signedin_event_streams": {},
    "signedin_outbox_pending": {},
    "signedin_build_info": {"version": lambda v: re.fullmatch(r"\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?", v) is not None},
}
def short(v):
    return repr(v if len(v) <= 48 else v[:45] + "...")
bad = []
for n, labels, _ in psamples:
    allowed = schema.get(n)
    if allowed is None:
        if labels:
            bad.append(f"{n}: a family outside the contract with labels {sorted(labels)}")
        continue
    for k, v in labels.items():
        if k not in allowed:
            bad.append(f"{n}: label {k}={short(v)} is not one of {sorted(allowed)}")
        elif not allowed[k](v):
            bad.append(f"{n}: {k}={short(v)} is not in its fixed set")
for e in perrors:
    bad.append(e)
for b in sorted(set(bad)):
    check("privacy", False, b)
if not bad:
    routes = sorted({l["route"] for n, l, _ in psamples if "route" in l})
    check("privacy", True, f"every label name and value is from its fixed set ({len(psamples)} samples; routes: {', '.join(routes)})")

for group, ok, what in results:
    print(f"{'ok  ' if ok else 'FAIL'} {group} {what}")
PY
for group in families values privacy; do
  if grep -q "^FAIL $group " "$work/checks.out"; then failed+=("$group"); fi
done
# The passing lines briefly, every failing one in full.
awk '/^FAIL/ { print "\033[1;31mFAIL\033[0m " substr($0, 6); next }
     /^ok  / { n[$2]++; next }
     { print "     " $0 }
     END { split("families values privacy", g, " ")
           for (i = 1; i <= 3; i++) if (n[g[i]]) printf "\033[1;32mok\033[0m   %s: %d checks passed\n", g[i], n[g[i]] }' "$work/checks.out"
grep '^ok   privacy every label' "$work/checks.out" | sed 's/^ok   privacy /     /' || true
grep -qE '^(ok  |FAIL) ' "$work/checks.out" || { cat "$work/checks.out"; failed+=(checker); }

# --- 5. A real Prometheus -----------------------------------------------------------------------
say "5. Prometheus scrapes the listener (up{job=\"signedin\"} == 1, signedin_sign_ins_total queryable)"
if run_bg "$python" - "$prom" "$prometheus_pid" "$scrape_port" <<'PY'; then
import json, os, sys, time, urllib.parse, urllib.request
prom, pid, port = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def query(q):
    url = f"{prom}/api/v1/query?" + urllib.parse.urlencode({"query": q})
    with urllib.request.urlopen(url, timeout=2) as response:
        body = json.load(response)
    assert body["status"] == "success", body
    return body["data"]["result"]
deadline, last = time.time() + 15, "Prometheus not ready"
while time.time() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("Prometheus exited")
    try:
        up = query('up{job="signedin"}')
        if not up or up[0]["value"][1] != "1":
            last = f'up{{job="signedin"}} = {up[0]["value"][1] if up else "no series"} (target 127.0.0.1:{port})'
        else:
            sign_ins = query('signedin_sign_ins_total{job="signedin",outcome="ok"}')
            families = query('count(count by (__name__) ({job="signedin",__name__=~"signedin_.+"}))')
            if sign_ins and float(sign_ins[0]["value"][1]) >= 1:
                print(f'   up == 1; signedin_sign_ins_total{{outcome="ok"}} = {sign_ins[0]["value"][1]}; '
                      f'{families[0]["value"][1] if families else 0} signedin_ metric names stored')
                sys.exit(0)
            last = "up == 1 but signedin_sign_ins_total{outcome=\"ok\"} is not there yet"
    except Exception as error:
        last = f"{type(error).__name__}: {error}"
    time.sleep(0.25)
targets = ""
try:
    with urllib.request.urlopen(f"{prom}/api/v1/targets", timeout=2) as response:
        for t in json.load(response)["data"]["activeTargets"]:
            targets += f'\n   target {t["scrapeUrl"]}: health {t["health"]}, lastError {t["lastError"]!r}'
except Exception:
    pass
sys.exit(f"   after 15 s: {last}{targets}")
PY
  pass "prometheus: a real Prometheus 2.42 scrapes and stores the metrics"
else
  fail prometheus "Prometheus did not get the metrics"
fi

elapsed=$((SECONDS - started))
# Each sabotage must show in the check it aims at (and a run with --break always fails).
declare -A aims=([corrupt]=promtool [public-port]=public [bogus-metric]=families
  [no-wrong-password]=values [leak]=privacy [label]=privacy [wrong-port]=prometheus)
blind=()
for b in "${breaks[@]}"; do
  [[ " ${failed[*]} " == *" ${aims[$b]} "* ]] || blind+=("--break $b (check ${aims[$b]})")
done
if [ ${#blind[@]} -gt 0 ]; then
  warn "e2e-metrics: ${blind[*]} did not fail: that check cannot see its fault"
  exit 1
fi
if [ ${#failed[@]} -gt 0 ]; then
  if [ ${#breaks[@]} -gt 0 ]; then
    warn "e2e-metrics: FAILED: ${failed[*]} (${elapsed} s), as --break ${breaks[*]} should make it"
  else
    warn "e2e-metrics: FAILED: ${failed[*]} (${elapsed} s)"
  fi
  exit 1
fi
say "Metrics end to end: all passed (${elapsed} s)"
