#!/usr/bin/env bash
# Run a command with a throw-away PostgreSQL cluster, e.g.:
#
#   scripts/with-postgres.sh vitest run test/server
#
# The cluster lives in a temporary directory (initdb), listens only on a Unix
# socket inside it, and is stopped and removed when the command ends. The
# command gets FIRSTKEY_TEST_DATABASE_URL=postgres://...; the server tests
# then run once on SQLite and once on this cluster (vitest.config.ts).
#
# PostgreSQL refuses to run as root, so as root the cluster runs as the
# `postgres` user (Debian's package creates it). Binaries are found on PATH
# or under /usr/lib/postgresql/<version>/bin.
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: $0 <command> [args...]" >&2
  exit 64
fi

bindir=""
if command -v initdb >/dev/null 2>&1; then
  bindir="$(dirname "$(command -v initdb)")"
else
  for dir in /usr/lib/postgresql/*/bin; do
    [[ -x "$dir/initdb" ]] && bindir="$dir"
  done
fi
if [[ -z "$bindir" ]]; then
  {
    echo "with-postgres.sh: PostgreSQL's initdb was not found, so the server tests cannot run on PostgreSQL."
    echo "with-postgres.sh: on Debian/Ubuntu: apt-get install postgresql"
  } >&2
  exit 69
fi

root="$(mktemp -d "${TMPDIR:-/tmp}/firstkey-pg.XXXXXXXXXX")"
as_owner=()
if [[ $(id -u) -eq 0 ]]; then
  chown postgres: "$root"
  as_owner=(runuser -u postgres --)
fi

cleanup() {
  "${as_owner[@]}" "$bindir/pg_ctl" -D "$root/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf -- "$root"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"${as_owner[@]}" "$bindir/initdb" -D "$root/data" -U firstkey --auth=trust --no-sync -E UTF8 >"$root/initdb.log" 2>&1 || {
  cat "$root/initdb.log" >&2
  exit 70
}
# No TCP: only the socket in $root, so parallel runs never collide on a port.
# fsync off: a crashed throw-away cluster is simply discarded.
"${as_owner[@]}" "$bindir/pg_ctl" -D "$root/data" -l "$root/server.log" -w -t 30 \
  -o "-c listen_addresses='' -c unix_socket_directories='$root' -c fsync=off -c max_connections=300" start >/dev/null || {
  cat "$root/server.log" >&2
  exit 70
}

export FIRSTKEY_TEST_DATABASE_URL="postgres://firstkey@localhost/postgres?host=$root"
status=0
"$@" || status=$?
exit "$status"
