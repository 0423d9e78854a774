#!/usr/bin/env bash
# Forward-auth through nginx, measured with wrk at concurrency 32: what nginx's auth_request
# to GET /auth/forward costs a request, beside the node answering /auth/check and
# /auth/forward directly and nginx proxying /auth/check (the proxy hop alone). One release
# node on SQLite, a Bearer token from POST /auth/login, Debian's nginx and wrk, all on
# 127.0.0.1. Prints a markdown table.
#
#   scripts/bench-forward-auth.sh            10 s per row (after a 2 s warm-up)
#   scripts/bench-forward-auth.sh --smoke    1 s per row: proves it runs, with no errors
#
# The protected location's upstream is another nginx server answering `return 200`, so the
# only work besides nginx itself is the auth hop; the "nginx → app" row is that same path
# without auth_request. (A `return` in the protected location itself would answer before
# auth_request runs — the rewrite phase comes first — and measure nothing.)
# Needs target/release/signedin and target/site (SIGNEDIN_TEST_BIN / SIGNEDIN_TEST_SITE name
# another build). Any non-2xx answer or socket error fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

duration=10s
warmup=2s
case "${1:-}" in
  "") ;;
  --smoke) duration=1s; warmup="" ;;
  *) echo "usage: $0 [--smoke]" >&2; exit 2 ;;
esac
connections=32
threads=2
bin="$(realpath "${SIGNEDIN_TEST_BIN:-target/release/signedin}")"
site="$(realpath "${SIGNEDIN_TEST_SITE:-target/site}")"
nginx="${NGINX:-/usr/sbin/nginx}"
wrk="${WRK:-/usr/bin/wrk}"
for tool in "$bin" "$nginx" "$wrk"; do
  [ -x "$tool" ] || { echo "bench-forward-auth.sh: $tool is missing (scripts/setup.sh test installs nginx and wrk)" >&2; exit 1; }
done

dir="$(mktemp -d /tmp/signedin-bench-fa.XXXXXX)"
chmod 755 "$dir"
mkdir -p "$dir/nginx/logs" "$dir/nginx/tmp"
node_pid=""
nginx_pid=""
cleanup() {
  set +e
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null
  [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port_node="$(free_port)"
port_nginx="$(free_port)"
port_app="$(free_port)"
node="http://127.0.0.1:$port_node"
proxy="http://127.0.0.1:$port_nginx"

DATABASE_URL="sqlite://$dir/signedin.db" LEPTOS_SITE_ADDR="127.0.0.1:$port_node" LEPTOS_SITE_ROOT="$site" \
SIGNEDIN_SECRET="$(openssl rand -hex 32)" SIGNEDIN_TRUSTED_PROXIES=127.0.0.1/32 \
SIGNEDIN_LOG=warn SIGNEDIN_LOG_FORMAT=pretty \
  "$bin" >"$dir/node.log" 2>&1 &
node_pid=$!
python3 - "$node" <<'PY'
import sys, time, urllib.request
deadline = time.time() + 30
while True:
    try:
        if urllib.request.urlopen(sys.argv[1] + "/readyz", timeout=1).status == 200:
            break
    except Exception:
        if time.time() > deadline:
            sys.exit("the node did not become ready")
        time.sleep(0.1)
PY

email="bench-$RANDOM@example.com"
password="correct horse battery staple"
body="{\"email\":\"$email\",\"password\":\"$password\"}"
curl -sf -o /dev/null -H 'content-type: application/json' -d "$body" "$node/auth/signup"
token="$(curl -sf -H 'content-type: application/json' -d "$body" "$node/auth/login" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')"

cat >"$dir/nginx/nginx.conf" <<EOF
worker_processes 1;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/nginx/tmp/body;
  proxy_temp_path $dir/nginx/tmp/proxy;
  fastcgi_temp_path $dir/nginx/tmp/fastcgi;
  uwsgi_temp_path $dir/nginx/tmp/uwsgi;
  scgi_temp_path $dir/nginx/tmp/scgi;

  upstream signedin { server 127.0.0.1:$port_node; keepalive 64; keepalive_timeout 5s; }
  upstream app { server 127.0.0.1:$port_app; keepalive 64; }

  # The app signedin is put in front of: as cheap as a response gets.
  server {
    listen 127.0.0.1:$port_app;
    location / { return 200 "ok\n"; }
  }

  server {
    listen 127.0.0.1:$port_nginx;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host \$http_host;
    proxy_set_header X-Forwarded-For \$remote_addr;
    proxy_set_header X-Forwarded-Proto \$scheme;

    location = /check { proxy_pass http://signedin/auth/check; }
    location = /plain { proxy_pass http://app; }
    location = /protected {
      auth_request /_signedin_auth;
      auth_request_set \$auth_user \$upstream_http_x_auth_user_id;
      auth_request_set \$auth_session \$upstream_http_x_auth_session_id;
      proxy_set_header Connection "";
      proxy_set_header X-Auth-User-Id \$auth_user;
      proxy_set_header X-Auth-Session-Id \$auth_session;
      proxy_pass http://app;
    }
    location = /_signedin_auth {
      internal;
      proxy_pass http://signedin/auth/forward;
      proxy_method GET;
      proxy_pass_request_body off;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI \$request_uri;
      proxy_set_header X-Original-Method \$request_method;
    }
  }
}
EOF
"$nginx" -t -q -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -e "$dir/nginx/logs/error.log"
"$nginx" -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -e "$dir/nginx/logs/error.log" -g 'daemon off;' &
nginx_pid=$!
for _ in $(seq 100); do curl -s -o /dev/null "$proxy/plain" && break; sleep 0.05; done

# What each row measures must be what it claims: with the token it passes, without it is
# refused (so auth_request really runs), and the forward check answers with the identity.
expect() { # expect STATUS URL [curl args...]
  local want="$1" url="$2" got
  shift 2
  got="$(curl -s -o /dev/null -w '%{http_code}' "$@" "$url")"
  [ "$got" = "$want" ] || { echo "bench-forward-auth.sh: $url answered $got, expected $want" >&2; exit 1; }
}
bearer=(-H "Authorization: Bearer $token")
expect 204 "$node/auth/check" "${bearer[@]}"
expect 401 "$node/auth/check"
expect 204 "$proxy/check" "${bearer[@]}"
expect 200 "$proxy/protected" "${bearer[@]}"
expect 401 "$proxy/protected"
expect 401 "$proxy/protected" -H "Authorization: Bearer ${token%?}x"
expect 200 "$proxy/plain"
expect 200 "$node/auth/forward" "${bearer[@]}"
expect 401 "$node/auth/forward"
curl -s -D - -o /dev/null "${bearer[@]}" "$node/auth/forward" | grep -qi '^x-auth-user-id: [0-9a-f]\{32\}' ||
  { echo "bench-forward-auth.sh: /auth/forward names no user" >&2; exit 1; }

# wrk's report → "req/s|p50|p99"; fails on any non-2xx answer or socket error.
measure() { # measure URL [wrk args...]
  local url="$1" out
  shift
  if [ -n "$warmup" ]; then "$wrk" -t"$threads" -c"$connections" -d"$warmup" "$@" "$url" >/dev/null; fi
  out="$("$wrk" -t"$threads" -c"$connections" -d"$duration" --latency "$@" "$url")"
  if grep -q 'Non-2xx or 3xx responses\|Socket errors' <<<"$out"; then
    echo "bench-forward-auth.sh: errors measuring $url:" >&2
    echo "$out" >&2
    exit 1
  fi
  awk '
    /Requests\/sec:/ { rps = $2 }
    /^ +50% / { p50 = $2 }
    /^ +99% / { p99 = $2 }
    END { printf "%s|%s|%s", rps, p50, p99 }' <<<"$out"
}
rows=(
  "direct|GET /auth/check on the node (Bearer)|$node/auth/check"
  "direct|GET /auth/forward on the node (Bearer)|$node/auth/forward"
  "nginx|proxy_pass to /auth/check (the proxy hop alone)|$proxy/check"
  "nginx|proxy_pass to the app, no auth (nginx's own cost)|$proxy/plain"
  "nginx|auth_request to /auth/forward, then the app (forward-auth)|$proxy/protected"
)

load="$(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "Forward-auth, wrk -t$threads -c$connections -d$duration --latency, Bearer token, SQLite, one node"
echo "$(nproc) cores, $("$nginx" -v 2>&1 | sed 's/.*: //') (1 worker), wrk $("$wrk" -v 2>&1 | awk 'NR==1 {print $2}'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), load average before: $load"
echo
echo "| via | request | req/s | p50 | p99 |"
echo "|---|---|---:|---:|---:|"
for row in "${rows[@]}"; do
  IFS='|' read -r via what url <<<"$row"
  IFS='|' read -r rps p50 p99 <<<"$(measure "$url" -H "Authorization: Bearer $token")"
  printf '| %s | %s | %s | %s | %s |\n' "$via" "$what" "$rps" "$p50" "$p99"
done
if [ -n "$(grep -v '^\s*$' "$dir/nginx/logs/error.log" || true)" ]; then
  echo "nginx logged:" >&2
  cat "$dir/nginx/logs/error.log" >&2
  exit 1
fi
