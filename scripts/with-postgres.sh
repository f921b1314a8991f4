#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL server on loopback, then stops and removes it.
#   scripts/with-postgres.sh CMD ARGS...   (CMD sees DATABASE_URL)
# initdb refuses to run as root, so as root the server runs as the `postgres` system user.
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || { echo "with-postgres: PostgreSQL server binaries not found; run scripts/setup-system.sh --postgres" >&2; exit 1; }
dir=$(mktemp -d -t comity-pg.XXXXXX)  # in $TMPDIR, else /tmp
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
as_pg=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir "$dir" postgres
  chown postgres "$dir"
  as_pg=(runuser -u postgres --)
fi
cleanup() {
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
"${as_pg[@]}" "$bindir/initdb" -D "$dir/data" -U comity --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null
"$bindir/createdb" -h 127.0.0.1 -p "$port" -U comity comity
export DATABASE_URL="postgres://comity@127.0.0.1:$port/comity"
export COMITY_PG_SOCKET_URL="postgres://comity@/comity?host=$dir&port=$port"  # the same server over its Unix socket
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
"$@"
