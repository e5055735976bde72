#!/usr/bin/env bash
# Starts a throwaway MariaDB server on a free loopback port with a temporary data directory.
# Usage: source scripts/mariadb-test-server.sh; mariadb_start; ...; mariadb_stop
# Exports TEST_MYSQL_URL (a user with rights to create databases).

source "$(dirname "${BASH_SOURCE[0]}")/debian-packages.sh"

# the full backup needs the client tools (mariadb-dump, mariadb) beside the server
mariadb_missing_packages() {
  mariadb_server_binary >/dev/null || echo mariadb-server
  command -v mariadb-dump >/dev/null 2>&1 || echo mariadb-client
}

mariadb_ensure_installed() {
  # shellcheck disable=SC2046 # package names have no spaces
  debian_install $(mariadb_missing_packages)
}

mariadb_start() {
  mariadb_ensure_installed || return 1
  local mariadbd; mariadbd=$(mariadb_server_binary)
  MARIADB_DIR=$(mktemp -d /tmp/phasegate-mariadb.XXXXXX)
  MARIADB_PORT=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  mariadb-install-db --no-defaults --datadir="$MARIADB_DIR/data" --user=root --auth-root-authentication-method=socket \
    --skip-test-db >"$MARIADB_DIR/install.log" 2>&1 || { cat "$MARIADB_DIR/install.log" >&2; return 1; }
  # its own temporary directory: on-disk temp tables in the shared /tmp can be swept away mid-query
  mkdir -p "$MARIADB_DIR/tmp"
  "$mariadbd" --no-defaults --user=root --datadir="$MARIADB_DIR/data" --socket="$MARIADB_DIR/mysqld.sock" --tmpdir="$MARIADB_DIR/tmp" \
    --port="$MARIADB_PORT" --bind-address=127.0.0.1 --skip-name-resolve --pid-file="$MARIADB_DIR/mysqld.pid" \
    --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=2 --max-connections=500 \
    --log-error="$MARIADB_DIR/error.log" >/dev/null 2>&1 &
  MARIADB_PID=$!
  for _ in $(seq 1 100); do
    mariadb --no-defaults -S "$MARIADB_DIR/mysqld.sock" -uroot -e 'SELECT 1' >/dev/null 2>&1 && break
    sleep 0.2
  done
  mariadb --no-defaults -S "$MARIADB_DIR/mysqld.sock" -uroot -e "
    CREATE USER 'phasegate'@'127.0.0.1' IDENTIFIED BY 'phasegate';
    GRANT ALL PRIVILEGES ON *.* TO 'phasegate'@'127.0.0.1';" || { cat "$MARIADB_DIR/error.log" >&2; return 1; }
  export TEST_MYSQL_URL="mysql://phasegate:phasegate@127.0.0.1:$MARIADB_PORT/mysql"
  export MARIADB_DIR MARIADB_PORT MARIADB_PID
  echo "MariaDB $("$mariadbd" --version | awk '{print $3}') on 127.0.0.1:$MARIADB_PORT (data in $MARIADB_DIR)"
}

mariadb_stop() {
  [ -n "${MARIADB_PID:-}" ] && kill "$MARIADB_PID" 2>/dev/null && wait "$MARIADB_PID" 2>/dev/null
  [ -n "${MARIADB_DIR:-}" ] && rm -rf "$MARIADB_DIR"
  MARIADB_PID=""
}
