#!/usr/bin/env bash
# signedin in front of an existing app, through real gateways: a release server (EdDSA access
# tokens that live 5 s), the example FastAPI app (examples/fastapi) as the protected upstream
# and as an API that verifies tokens itself, Debian's nginx (auth_request) and Debian's Caddy
# (forward_auth, and its expanded form that renews cookies), each on a free port of its own,
# then the Playwright suite in end2end/gateway. Everything started here is stopped at exit,
# however the script ends. Run by scripts/test.sh after the release build exists
# (target/release/signedin, target/site); it never builds.
#
# Needs: /usr/sbin/nginx (with auth_request), /usr/bin/caddy (2.6+), python3 with venv, and
# end2end/node_modules. The FastAPI app's packages go into target/gateway-venv (reinstalled
# only when examples/fastapi/requirements.txt changes). Nothing else is written outside
# target/ and a temporary directory (but pip's cache); nginx and Caddy run as the current user
# with their own prefix, pid, logs, temp and data paths, never touching /etc or port 80.
# SIGNEDIN_GATEWAY_KEEP=1 keeps the temporary directory (configs, logs, database) for a look.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

say() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }

for tool in nginx caddy; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || [ -x "/usr/bin/$tool" ] ||
    { echo "e2e-gateway: $tool is not installed (apt-get install $tool)" >&2; exit 1; }
done
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
caddy_bin="$(command -v caddy || echo /usr/bin/caddy)"
# Debian's interpreter has venv (python3-venv); another python3 on PATH may not.
python="/usr/bin/python3"
[ -x "$python" ] || python="$(command -v python3)"
[ -x target/release/signedin ] && [ -d target/site ] ||
  { echo "e2e-gateway: build first (cargo leptos build --release)" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/signedin-gateway.XXXXXX")"
pids=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  local i
  for i in "${!pids[@]}"; do kill -TERM "${pids[$i]}" 2>/dev/null || true; done
  for i in "${!pids[@]}"; do wait "${pids[$i]}" 2>/dev/null || true; done
  if [ "$status" -ne 0 ]; then
    for log in "$work"/*.log; do
      [ -s "$log" ] || continue
      printf '\n--- last lines of %s ---\n' "${log##*/}" >&2
      tail -n 30 "$log" >&2
    done
  fi
  if [ "${SIGNEDIN_GATEWAY_KEEP:-}" = 1 ]; then
    echo "e2e-gateway: kept $work" >&2
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- The FastAPI app's packages ---------------------------------------------------------------
venv="target/gateway-venv"
requirements="examples/fastapi/requirements.txt"
if ! cmp -s "$requirements" "$venv/requirements.installed" || [ ! -x "$venv/bin/uvicorn" ]; then
  say "Installing the FastAPI example's packages into $venv (PyPI)"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$requirements"
  cp "$requirements" "$venv/requirements.installed"
fi

# --- Ports ------------------------------------------------------------------------------------
free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
signedin_port="$(free_port)"
app_port="$(free_port)"
nginx_port="$(free_port)"
caddy_port="$(free_port)"
caddy_full_port="$(free_port)"
ports=("$signedin_port" "$app_port" "$nginx_port" "$caddy_port" "$caddy_full_port")
if [ "$(printf '%s\n' "${ports[@]}" | sort -u | wc -l)" -ne "${#ports[@]}" ]; then
  echo "e2e-gateway: the OS handed out one port twice; run again" >&2
  exit 1
fi
nginx_origin="http://127.0.0.1:$nginx_port"
access_ttl=5

start() { # name, then the command; output to $work/name.log
  local name="$1"
  shift
  "$@" >"$work/$name.log" 2>&1 &
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
        sys.exit(f"e2e-gateway: {name} exited at start")
    if time.time() > deadline:
        sys.exit(f"e2e-gateway: {name} did not answer {url} within 30 s")
    time.sleep(0.1)
PY
}

# --- signedin ---------------------------------------------------------------------------------
# Short access tokens, so tests can wait one out; a short reuse grace window, so a lost renewal
# (a replayed refresh token) shows within seconds.
say "signedin on :$signedin_port (EdDSA, access tokens for ${access_ttl} s, public URL $nginx_origin)"
start signedin env \
  DATABASE_URL="sqlite://$work/signedin.db" \
  LEPTOS_SITE_ADDR="127.0.0.1:$signedin_port" \
  SIGNEDIN_SECRET="$("$python" -c 'import secrets; print(secrets.token_urlsafe(48))')" \
  SIGNEDIN_PUBLIC_URL="$nginx_origin" \
  SIGNEDIN_ACCESS_TOKEN_ALG=EdDSA \
  SIGNEDIN_ACCESS_TTL_SECS="$access_ttl" \
  SIGNEDIN_TRUSTED_PROXIES=127.0.0.1/32 \
  SIGNEDIN_REUSE_GRACE_SECS=2 \
  SIGNEDIN_RATE_LIMITS="signin_ip=600/60,signin_account=100/60,refresh_ip=6000/60,refresh_session=600/60" \
  SIGNEDIN_LOG_FORMAT=pretty SIGNEDIN_LOG=warn \
  target/release/signedin
ready signedin "http://127.0.0.1:$signedin_port/readyz"

# --- The FastAPI app --------------------------------------------------------------------------
say "The FastAPI app on :$app_port"
start fastapi env \
  SIGNEDIN_URL="http://127.0.0.1:$signedin_port" \
  SIGNEDIN_ISSUER="$nginx_origin" \
  APP_PUBLIC_ORIGIN="$nginx_origin" \
  PYTHONPYCACHEPREFIX="$root/target/gateway-venv/pycache" \
  "$venv/bin/uvicorn" --app-dir examples/fastapi app:app \
  --host 127.0.0.1 --port "$app_port" --log-level warning --no-access-log
ready fastapi "http://127.0.0.1:$app_port/healthz"

# --- nginx: auth_request ----------------------------------------------------------------------
# The recipe of docs/INTEGRATION.md, with the ports filled in; the lines around it only make
# nginx run unprivileged from a directory of its own.
say "nginx on :$nginx_port"
mkdir -p "$work/nginx/logs" "$work/nginx/temp"
user_line=""
[ "$(id -u)" = 0 ] && user_line="user $(id -un) $(id -gn);"
cat >"$work/nginx/nginx.conf" <<EOF
$user_line
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx.log warn;
events { worker_connections 256; }

http {
  access_log off;
  client_body_temp_path $work/nginx/temp/client_body;
  proxy_temp_path $work/nginx/temp/proxy;
  fastcgi_temp_path $work/nginx/temp/fastcgi;
  uwsgi_temp_path $work/nginx/temp/uwsgi;
  scgi_temp_path $work/nginx/temp/scgi;

  upstream signedin { server 127.0.0.1:$signedin_port; keepalive 8; }
  upstream app { server 127.0.0.1:$app_port; keepalive 8; }

  server {
    listen 127.0.0.1:$nginx_port;
    absolute_redirect off;

    # signedin itself: sign-in, the devices page, the API.
    location / {
      proxy_pass http://signedin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_buffering off; # the devices page's live stream
    }

    # The protected app: every request is checked first. (proxy_set_header is inherited
    # only by a level that sets none itself, so each location lists all of its own.)
    location /app/ {
      auth_request /_signedin_check;
      auth_request_set \$auth_user_id \$upstream_http_x_auth_user_id;
      auth_request_set \$auth_session_id \$upstream_http_x_auth_session_id;
      auth_request_set \$auth_email \$upstream_http_x_auth_email;
      auth_request_set \$auth_login \$upstream_http_x_auth_login;
      auth_request_set \$auth_cookie_access \$upstream_http_x_auth_set_cookie_access;
      auth_request_set \$auth_cookie_refresh \$upstream_http_x_auth_set_cookie_refresh;
      error_page 401 = @signin;

      # Renewed cookies (an expired access cookie, a live refresh cookie); empty: no header.
      # "always": on the app's error answers too.
      add_header Set-Cookie \$auth_cookie_access always;
      add_header Set-Cookie \$auth_cookie_refresh always;

      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto \$scheme;
      # These replace whatever a client sent under the same names.
      proxy_set_header X-Auth-User-Id \$auth_user_id;
      proxy_set_header X-Auth-Session-Id \$auth_session_id;
      proxy_set_header X-Auth-Email \$auth_email;
    }

    location @signin {
      return 302 \$auth_login;
    }

    location = /_signedin_check {
      internal;
      proxy_pass http://signedin/auth/forward;
      proxy_method GET;
      proxy_pass_request_body off;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Content-Length "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$http_host;
      proxy_set_header X-Original-URI \$request_uri;
      proxy_set_header X-Original-Method \$request_method;
      proxy_set_header X-Forwarded-Method "";
      proxy_set_header X-Forwarded-Uri "";
    }
  }
}
EOF
"$nginx_bin" -t -q -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx.log"
start nginx "$nginx_bin" -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx.log"
ready nginx "$nginx_origin/readyz"

# --- Caddy: forward_auth, and the expanded form that renews cookies -----------------------------
say "Caddy on :$caddy_port (forward_auth) and :$caddy_full_port (expanded, renews cookies)"
mkdir -p "$work/caddy"
cat >"$work/caddy/Caddyfile" <<EOF
{
	admin off
	auto_https off
}

# The short form: identity headers and the trip to sign in. It drops the renewed cookies of a
# 2xx answer, so use it for bearer-token clients, or see the expanded form below.
http://:$caddy_port {
	bind 127.0.0.1
	handle /app/* {
		forward_auth 127.0.0.1:$signedin_port {
			uri /auth/forward?redirect=1
			copy_headers X-Auth-User-Id X-Auth-Session-Id X-Auth-Email
			header_up -X-Original-Method
			header_up -X-Original-URI
		}
		reverse_proxy 127.0.0.1:$app_port
	}
	handle {
		reverse_proxy 127.0.0.1:$signedin_port
	}
}

# The expanded form (what forward_auth stands for, plus the renewed cookies).
http://:$caddy_full_port {
	bind 127.0.0.1
	handle /app/* {
		request_header -X-Auth-User-Id
		request_header -X-Auth-Session-Id
		request_header -X-Auth-Email
		reverse_proxy 127.0.0.1:$signedin_port {
			method GET
			rewrite /auth/forward?redirect=1
			header_up X-Forwarded-Method {method}
			header_up X-Forwarded-Uri {uri}
			header_up -X-Original-Method
			header_up -X-Original-URI
			@granted status 2xx
			handle_response @granted {
				request_header X-Auth-User-Id {rp.header.X-Auth-User-Id}
				request_header X-Auth-Session-Id {rp.header.X-Auth-Session-Id}
				request_header X-Auth-Email {rp.header.X-Auth-Email}
				copy_response_headers {
					include Set-Cookie
				}
			}
		}
		reverse_proxy 127.0.0.1:$app_port
	}
	handle {
		reverse_proxy 127.0.0.1:$signedin_port
	}
}
EOF
export XDG_CONFIG_HOME="$work/caddy" XDG_DATA_HOME="$work/caddy"
"$caddy_bin" validate --config "$work/caddy/Caddyfile" --adapter caddyfile >"$work/caddy-validate.out" 2>&1 ||
  { cat "$work/caddy-validate.out" >&2; exit 1; }
start caddy "$caddy_bin" run --config "$work/caddy/Caddyfile" --adapter caddyfile
ready caddy "http://127.0.0.1:$caddy_port/readyz"
ready caddy "http://127.0.0.1:$caddy_full_port/readyz"

# --- The suite --------------------------------------------------------------------------------
say "Playwright: the gateway suite (end2end/gateway)"
cd end2end
# In the background and waited for, so that a signal to this script is handled (and everything
# stopped) at once rather than after the suite.
SIGNEDIN_GATEWAY_NGINX="$nginx_origin" \
SIGNEDIN_GATEWAY_CADDY="http://127.0.0.1:$caddy_port" \
SIGNEDIN_GATEWAY_CADDY_FULL="http://127.0.0.1:$caddy_full_port" \
SIGNEDIN_GATEWAY_APP="http://127.0.0.1:$app_port" \
SIGNEDIN_GATEWAY_SIGNEDIN="http://127.0.0.1:$signedin_port" \
SIGNEDIN_GATEWAY_ACCESS_TTL="$access_ttl" \
  node_modules/.bin/playwright test --config playwright.gateway.config.ts "$@" &
pids+=("$!")
wait "$!"
