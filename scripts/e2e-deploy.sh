#!/usr/bin/env bash
# signedin as deployed (docs/DEPLOY.md): two release nodes on one PostgreSQL database (a fresh
# one on the server TEST_DATABASE_URL names) behind Debian's nginx, which terminates TLS and
# balances them, and the Playwright suite in end2end/deploy/ that drives it: a device signs in
# through one node and out through the other, and a rolling restart of both nodes under a
# steady stream of requests loses none. Run by scripts/test.sh after the main end-to-end suite
# has built target/release/signedin and target/site.
#
# nginx runs from a directory of its own (configuration, pid, logs, temporary files, a
# self-signed certificate made for this run) on a free port of 127.0.0.1: it never reads
# /etc/nginx or touches port 80. Everything started here is stopped at exit.
#
# Arguments go to Playwright (`scripts/e2e-deploy.sh rolling` runs one file). SIGNEDIN_TEST_BIN
# and SIGNEDIN_TEST_SITE name another build to run (say, a copy taken while target/ is being
# rebuilt); SIGNEDIN_TEST_KEEP=1 keeps the run's directory (configuration, logs) at exit;
# SIGNEDIN_TEST_NEXT_UPSTREAM=off shows the rolling restart failing without nginx's retries.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
: "${TEST_DATABASE_URL:?the deployment suite needs TEST_DATABASE_URL}"
bin="$(realpath "${SIGNEDIN_TEST_BIN:-target/release/signedin}")"
site="$(realpath "${SIGNEDIN_TEST_SITE:-target/site}")"
nginx="${NGINX:-/usr/sbin/nginx}"
for tool in "$bin" "$nginx" /usr/bin/openssl; do
  [ -x "$tool" ] || { echo "e2e-deploy.sh: $tool is missing (scripts/setup.sh test installs nginx)" >&2; exit 1; }
done

name="signedin_e2e_deploy"
export PGOPTIONS="--client-min-messages=warning"
database_url="${TEST_DATABASE_URL%/*}/$name"
dir="$(mktemp -d /tmp/signedin-deploy.XXXXXX)"
# nginx's workers run as `nobody` when it is started as root: they must reach their
# temporary files (a proxied wasm bundle is buffered there) and nothing else here is secret
# but the test key, which only the master reads.
chmod 755 "$dir"
mkdir -p "$dir/nginx/logs" "$dir/nginx/tmp" "$dir/tls"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port_a="$(free_port)"
port_b="$(free_port)"
port_nginx="$(free_port)"
port_app="$(free_port)"
origin="https://127.0.0.1:$port_nginx"

nginx_pid=""
cleanup() {
  local status=$?
  set +e
  for node in a b; do
    [ -f "$dir/node-$node.pid" ] && kill "$(cat "$dir/node-$node.pid")" 2>/dev/null
  done
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null
  wait 2>/dev/null
  # Restarted nodes are not this shell's children: wait for them by pid.
  for node in a b; do
    if [ -f "$dir/node-$node.pid" ]; then
      pid="$(cat "$dir/node-$node.pid")"
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
    fi
  done
  if [ "$status" != 0 ]; then
    echo "--- nginx error log ($dir/nginx/logs/error.log)" >&2
    tail -n 40 "$dir/nginx/logs/error.log" >&2
    for node in a b; do echo "--- node $node log" >&2; tail -n 20 "$dir/node-$node.log" >&2; done
  fi
  psql -q "$TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1
  if [ "${SIGNEDIN_TEST_KEEP:-}" = 1 ]; then echo "kept $dir" >&2; else rm -rf "$dir"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
psql -q "$TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null
psql -q "$TEST_DATABASE_URL" -c "CREATE DATABASE $name" >/dev/null

# A certificate for 127.0.0.1, made for this run: nginx terminates TLS as it would in front
# of real users, so the nodes see SIGNEDIN_PUBLIC_URL=https://… and set __Host- cookies.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
  -keyout "$dir/tls/key.pem" -out "$dir/tls/cert.pem" 2>/dev/null
chmod 600 "$dir/tls/key.pem"

# Every node shares the database, the signing secret, the public URL and the proxy settings
# (docs/DEPLOY.md, "Settings every node must share"). Node NAME is started by
# start-node-NAME.sh, here and by the suite when it restarts it: the same settings each time.
# The script records the node's pid in node-NAME.pid and, once the node has exited, its exit
# status in node-NAME.exit.
secret="$(openssl rand -hex 32)"
for node in a b; do
  port_var="port_$node"
  cat >"$dir/start-node-$node.sh" <<EOF
#!/usr/bin/env bash
set -euo pipefail
cd '$root'
rm -f '$dir/node-$node.pid' '$dir/node-$node.exit'
(
  DATABASE_URL='$database_url' LEPTOS_SITE_ADDR='127.0.0.1:${!port_var}' LEPTOS_SITE_ROOT='$site' \\
  SIGNEDIN_SECRET='$secret' SIGNEDIN_PUBLIC_URL='$origin' \\
  SIGNEDIN_TRUSTED_PROXIES=127.0.0.1/32 SIGNEDIN_FORWARDED_HEADER=x-forwarded-for \\
  SIGNEDIN_RATE_LIMITS='signin_ip=600/60,signin_account=100/60' \\
  SIGNEDIN_LOG_FORMAT=pretty SIGNEDIN_LOG=warn \\
    '$bin' &
  echo \$! >'$dir/node-$node.pid.new'
  mv '$dir/node-$node.pid.new' '$dir/node-$node.pid'
  status=0
  wait \$! || status=\$?
  echo "\$status" >'$dir/node-$node.exit'
) </dev/null >>'$dir/node-$node.log' 2>&1 &
for _ in \$(seq 100); do [ -f '$dir/node-$node.pid' ] && exit 0; sleep 0.05; done
echo "node $node did not start" >&2
exit 1
EOF
  chmod +x "$dir/start-node-$node.sh"
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
# One after the other: both run the migrations at start (they would also take turns on
# sqlx's advisory lock if started together).
for node in a b; do
  "$dir/start-node-$node.sh"
  port_var="port_$node"
  ready "${!port_var}"
done

# The nginx configuration of docs/DEPLOY.md, on this run's ports and paths.
# SIGNEDIN_TEST_NEXT_UPSTREAM=off shows what the rolling restart loses without retries.
next_upstream="${SIGNEDIN_TEST_NEXT_UPSTREAM:-error timeout http_502 http_503}"
n="$dir/nginx"
cat >"$n/proxy_headers.conf" <<'EOF'
proxy_set_header Connection "";
proxy_set_header Host $http_host;
# nginx is the edge: the client's own X-Forwarded-For is replaced, never extended.
proxy_set_header X-Forwarded-For $remote_addr;
proxy_set_header X-Forwarded-Proto $scheme;
proxy_set_header X-Forwarded-Host $http_host;
# Test only: the pin stays at nginx.
proxy_set_header X-Signedin-Node "";
EOF
cat >"$n/nginx.conf" <<EOF
worker_processes 1;
pid $n/nginx.pid;
error_log $n/logs/error.log warn;
events { worker_connections 1024; }

http {
  default_type application/octet-stream;
  client_body_temp_path $n/tmp/body;
  proxy_temp_path $n/tmp/proxy;
  fastcgi_temp_path $n/tmp/fastcgi;
  uwsgi_temp_path $n/tmp/uwsgi;
  scgi_temp_path $n/tmp/scgi;
  # Which node answered (after any retry, the last address of \$upstream_addr).
  log_format deploy '\$msec \$status "\$request" up=\$upstream_addr ustatus=\$upstream_status '
                    'urt=\$upstream_response_time rt=\$request_time pin=\$http_x_signedin_node';
  access_log $n/logs/access.log deploy;

  # The nodes. Passive health checks: a node that fails once (refused, reset, timed out, or
  # a 502/503) gets no new requests for fail_timeout; nginx then tries it again with one.
  upstream signedin {
    server 127.0.0.1:$port_a max_fails=1 fail_timeout=2s;
    server 127.0.0.1:$port_b max_fails=1 fail_timeout=2s;
    keepalive 16;
    # Shorter than the nodes' SIGNEDIN_CLIENT_TIMEOUT_SECS (10): nginx must drop an idle
    # connection before the node does, or it may send a request down a closing one.
    keepalive_timeout 5s;
  }
  # Test only: each node on its own, so a device can be pinned to one (X-Signedin-Node).
  upstream signedin_a { server 127.0.0.1:$port_a; keepalive 4; keepalive_timeout 5s; }
  upstream signedin_b { server 127.0.0.1:$port_b; keepalive 4; keepalive_timeout 5s; }
  map \$http_x_signedin_node \$signedin_upstream {
    default signedin;
    a signedin_a;
    b signedin_b;
  }
  # The existing app that signedin is put in front of: here, one that shows the identity
  # headers nginx passes it.
  upstream app { server 127.0.0.1:$port_app; keepalive 4; }

  server {
    listen 127.0.0.1:$port_app;
    default_type text/plain;
    location / {
      return 200 "app: user=\$http_x_auth_user_id session=\$http_x_auth_session_id email=\$http_x_auth_email uri=\$request_uri\n";
    }
  }

  server {
    listen 127.0.0.1:$port_nginx ssl;
    ssl_certificate $dir/tls/cert.pem;
    ssl_certificate_key $dir/tls/key.pem;
    client_max_body_size 64k;

    proxy_http_version 1.1;
    # A location with any proxy_set_header of its own inherits none of these: each such
    # location includes them again.
    include $n/proxy_headers.conf;
    proxy_connect_timeout 2s;
    # A request that fails before any answer (refused, reset, a closing keep-alive
    # connection) or answers 502/503 goes to the next node. POST, PATCH and LOCK are never
    # resent once sent (no non_idempotent): a sign-in or a refresh must not run twice.
    proxy_next_upstream $next_upstream;
    proxy_next_upstream_tries 3;
    proxy_next_upstream_timeout 10s;
    add_header X-Served-By \$upstream_addr always;

    location / {
      proxy_pass http://\$signedin_upstream;
    }

    # Live devices-page streams: the node sends X-Accel-Buffering: no, and a heartbeat every
    # SIGNEDIN_LIVE_HEARTBEAT_SECS (15), well inside the read timeout.
    location = /me/sessions/events {
      proxy_pass http://\$signedin_upstream;
      proxy_buffering off;
      proxy_read_timeout 60s;
    }

    # The existing app, behind forward-auth (docs/INTEGRATION.md has the full recipe).
    location /app/ {
      auth_request /_signedin_auth;
      auth_request_set \$auth_user \$upstream_http_x_auth_user_id;
      auth_request_set \$auth_session \$upstream_http_x_auth_session_id;
      auth_request_set \$auth_email \$upstream_http_x_auth_email;
      auth_request_set \$auth_login \$upstream_http_x_auth_login;
      auth_request_set \$auth_cookie_access \$upstream_http_x_auth_set_cookie_access;
      auth_request_set \$auth_cookie_refresh \$upstream_http_x_auth_set_cookie_refresh;
      auth_request_set \$auth_served_by \$upstream_addr;
      add_header Set-Cookie \$auth_cookie_access;
      add_header Set-Cookie \$auth_cookie_refresh;
      add_header X-Auth-Served-By \$auth_served_by always;
      error_page 401 = @signin;
      include $n/proxy_headers.conf;
      proxy_set_header X-Auth-User-Id \$auth_user;
      proxy_set_header X-Auth-Session-Id \$auth_session;
      proxy_set_header X-Auth-Email \$auth_email;
      proxy_pass http://app;
    }
    location = /_signedin_auth {
      internal;
      proxy_pass http://\$signedin_upstream/auth/forward;
      proxy_method GET;
      proxy_pass_request_body off;
      include $n/proxy_headers.conf;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI \$request_uri;
      proxy_set_header X-Original-Method \$request_method;
    }
    location @signin {
      add_header X-Auth-Served-By \$auth_served_by always;
      return 302 \$auth_login;
    }
  }
}
EOF
"$nginx" -t -q -p "$n" -c "$n/nginx.conf" -e "$n/logs/error.log"
"$nginx" -p "$n" -c "$n/nginx.conf" -e "$n/logs/error.log" -g 'daemon off;' &
nginx_pid=$!
python3 - "$port_nginx" <<'PY'
import socket, sys, time
deadline = time.time() + 10
while True:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()
        break
    except OSError:
        if time.time() > deadline:
            sys.exit("nginx did not start")
        time.sleep(0.05)
PY

cd end2end
SIGNEDIN_BASE_URL="$origin" SIGNEDIN_DEPLOY_DIR="$dir" \
SIGNEDIN_DEPLOY_NODE_A="127.0.0.1:$port_a" SIGNEDIN_DEPLOY_NODE_B="127.0.0.1:$port_b" \
SIGNEDIN_DEPLOY_CA="$dir/tls/cert.pem" \
  npx playwright test --config playwright.deploy.config.ts "$@"
