#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests (Debian's package, installed by `setup.sh test`): a new
# cluster in a temporary directory, on 127.0.0.1 and a free port, trust authentication.
# Sourced by scripts/test.sh, which calls postgres_start and traps postgres_stop:
#   postgres_start  exports TEST_DATABASE_URL and SIGNEDIN_TEST_PGDATA
#   postgres_stop   stops the server and deletes its directory (safe to call twice)
# Run directly (`scripts/postgres.sh start`, then `scripts/postgres.sh stop DIR`) to try it by hand.

postgres_bin() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)" || true
  if [ -z "$bin" ]; then
    echo "postgres.sh: PostgreSQL is not installed (scripts/setup.sh test installs it)" >&2
    return 1
  fi
  echo "$bin"
}

# initdb and postgres refuse to run as root: as root, run them as the package's user.
postgres_as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

postgres_start() {
  local bin dir port attempt
  bin="$(postgres_bin)" || return 1
  dir="$(mktemp -d /tmp/signedin-pg.XXXXXX)"
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
  if ! postgres_as_owner "$bin/initdb" -D "$dir" -A trust -U postgres >/dev/null; then
    rm -rf "$dir"
    return 1
  fi
  # A random port can be taken between the check and the bind (or its socket file in /tmp
  # by another cluster): pg_ctl then fails and another port is tried.
  for attempt in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
    if postgres_as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c max_connections=300 -k /tmp" start >/dev/null; then
      export SIGNEDIN_TEST_PGDATA="$dir"
      export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
      return 0
    fi
  done
  cat "$dir/server.log" >&2 || true
  rm -rf "$dir"
  echo "postgres.sh: PostgreSQL did not start (log above)" >&2
  return 1
}

postgres_stop() {
  local dir="${1:-${SIGNEDIN_TEST_PGDATA:-}}" bin
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  if bin="$(postgres_bin)" && [ -f "$dir/postmaster.pid" ]; then
    # Immediate: nothing in a throwaway cluster is worth a shutdown checkpoint.
    postgres_as_owner "$bin/pg_ctl" -D "$dir" -m immediate -w stop >/dev/null || true
  fi
  rm -rf "$dir"
  unset SIGNEDIN_TEST_PGDATA
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    start) postgres_start && echo "$SIGNEDIN_TEST_PGDATA $TEST_DATABASE_URL" ;;
    stop) postgres_stop "${2:?usage: postgres.sh stop DIR}" ;;
    *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
  esac
fi
