#!/usr/bin/env bash
# A throwaway 3-node MariaDB Galera cluster on free loopback ports, with temporary data
# directories, for the cluster suite (test/galera.e2e-spec.ts) and bench:cluster.
#
#   source scripts/galera-test-cluster.sh; galera_start; ...; galera_stop
#     exports TEST_GALERA_URLS (one admin URL per node, comma-separated) and GALERA_DIR
#   scripts/galera-test-cluster.sh kill N      kills node N (1-3) with SIGKILL, as a crash does
#   scripts/galera-test-cluster.sh restart N   restarts it: --wsrep-recover finds its last
#                                              position, so it rejoins by incremental transfer
#   scripts/galera-test-cluster.sh start|stop  the same as the functions, for a shell of its own
#
# Needs root (it installs galera-4 and rsync when missing). The nodes run as the mysql user:
# the rsync state transfer refuses to run as root.

GALERA_NODES=3
GALERA_PROVIDER=/usr/lib/galera/libgalera_smm.so

source "$(dirname "${BASH_SOURCE[0]}")/debian-packages.sh"

galera_missing_packages() {
  [ -f "$GALERA_PROVIDER" ] || echo galera-4
  command -v rsync >/dev/null 2>&1 || echo rsync
  mariadb_server_binary >/dev/null || echo mariadb-server
}

galera_ensure_installed() {
  # shellcheck disable=SC2046 # package names have no spaces
  debian_install $(galera_missing_packages)
}

_galera_free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

# the arguments node N always starts with; its ports are in $GALERA_DIR/nodeN/ports
_galera_args() {
  local n=$1 dir="$GALERA_DIR/node$1" port gcomm ist sst peers="" i
  read -r port gcomm ist sst <"$dir/ports"
  for i in $(seq 1 "$GALERA_NODES"); do
    [ "$i" = "$n" ] && continue
    peers="$peers${peers:+,}127.0.0.1:$(awk '{print $2}' "$GALERA_DIR/node$i/ports")"
  done
  echo --no-defaults --user=mysql --datadir="$dir/data" --socket="$dir/mysqld.sock" --tmpdir="$dir/tmp" \
    --port="$port" --bind-address=127.0.0.1 --skip-name-resolve --pid-file="$dir/mysqld.pid" --log-error="$dir/error.log" \
    --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=2 --max-connections=300 \
    --binlog-format=ROW --innodb-autoinc-lock-mode=2 --default-storage-engine=InnoDB \
    --wsrep-on=ON --wsrep-provider="$GALERA_PROVIDER" --wsrep-cluster-name=phasegate-test --wsrep-node-name="node$n" \
    --wsrep-node-address="127.0.0.1:$gcomm" --wsrep-sst-receive-address="127.0.0.1:$sst" --wsrep-sst-method=rsync \
    --wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:$gcomm;ist.recv_addr=127.0.0.1:$ist;gcache.size=128M" \
    --wsrep-log-conflicts=ON --wsrep-cluster-address="gcomm://$peers"
}

# starts node N in the background with extra arguments; waits until it is Synced
_galera_launch() {
  local n=$1; shift
  local dir="$GALERA_DIR/node$n"
  # shellcheck disable=SC2046
  "$(mariadb_server_binary)" $(_galera_args "$n") "$@" >/dev/null 2>&1 &
  echo $! >"$dir/pid"
}

_galera_wait_synced() {
  local n=$1 dir="$GALERA_DIR/node$1" state
  for _ in $(seq 1 300); do
    state=$(mariadb --no-defaults -S "$dir/mysqld.sock" -uroot -N -e "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | awk '{print $2}')
    [ "$state" = "Synced" ] && return 0
    kill -0 "$(cat "$dir/pid")" 2>/dev/null || { echo "galera node $n exited; its log:" >&2; tail -30 "$dir/error.log" >&2; return 1; }
    sleep 0.2
  done
  echo "galera node $n did not reach Synced in 60 s; its log:" >&2
  tail -30 "$dir/error.log" >&2
  return 1
}

galera_start() {
  galera_ensure_installed || return 1
  GALERA_DIR=$(mktemp -d /tmp/phasegate-galera.XXXXXX)
  chmod 755 "$GALERA_DIR"
  local n urls=""
  for n in $(seq 1 "$GALERA_NODES"); do
    mkdir -p "$GALERA_DIR/node$n/data" "$GALERA_DIR/node$n/tmp"
    echo "$(_galera_free_port) $(_galera_free_port) $(_galera_free_port) $(_galera_free_port)" >"$GALERA_DIR/node$n/ports"
  done
  chown -R mysql:mysql "$GALERA_DIR"
  # only the first node gets a fresh system schema; the others receive everything by state transfer
  mariadb-install-db --no-defaults --datadir="$GALERA_DIR/node1/data" --user=mysql --auth-root-authentication-method=socket \
    --skip-test-db >"$GALERA_DIR/install.log" 2>&1 || { cat "$GALERA_DIR/install.log" >&2; return 1; }
  _galera_launch 1 --wsrep-new-cluster
  _galera_wait_synced 1 || return 1
  mariadb --no-defaults -S "$GALERA_DIR/node1/mysqld.sock" -uroot -e "
    CREATE USER 'phasegate'@'127.0.0.1' IDENTIFIED BY 'phasegate';
    GRANT ALL PRIVILEGES ON *.* TO 'phasegate'@'127.0.0.1';" || return 1
  # the joiners transfer their state in parallel
  for n in $(seq 2 "$GALERA_NODES"); do _galera_launch "$n"; done
  for n in $(seq 2 "$GALERA_NODES"); do _galera_wait_synced "$n" || return 1; done
  for n in $(seq 1 "$GALERA_NODES"); do
    urls="$urls${urls:+,}mysql://phasegate:phasegate@127.0.0.1:$(awk '{print $1}' "$GALERA_DIR/node$n/ports")/mysql"
  done
  export TEST_GALERA_URLS="$urls" GALERA_DIR
  echo "MariaDB Galera cluster of $GALERA_NODES nodes ($("$(mariadb_server_binary)" --version | awk '{print $3}')): $TEST_GALERA_URLS (data in $GALERA_DIR)"
}

galera_kill() {
  local pid; pid=$(cat "$GALERA_DIR/node$1/pid")
  kill -KILL "$pid" 2>/dev/null
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
}

galera_restart() {
  local n=$1 dir="$GALERA_DIR/node$1" position
  rm -f "$dir/mysqld.sock" "$dir/mysqld.pid"
  # the position the node had reached, from its own InnoDB, so it asks the others for the rest only
  # shellcheck disable=SC2046
  "$(mariadb_server_binary)" $(_galera_args "$n") --wsrep-recover --log-error="$dir/recover.log" >/dev/null 2>&1
  position=$(grep -o 'Recovered position: [^ ]*' "$dir/recover.log" | tail -1 | awk '{print $3}')
  [ -n "$position" ] || { echo "galera node $n: no recovered position; see $dir/recover.log" >&2; return 1; }
  _galera_launch "$n" --wsrep-start-position="$position"
  _galera_wait_synced "$n"
}

galera_stop() {
  [ -n "${GALERA_DIR:-}" ] && [ -d "$GALERA_DIR" ] || return 0
  local n pid
  for n in $(seq "$GALERA_NODES" -1 1); do
    pid=$(cat "$GALERA_DIR/node$n/pid" 2>/dev/null) || continue
    kill "$pid" 2>/dev/null
  done
  for n in $(seq 1 "$GALERA_NODES"); do
    pid=$(cat "$GALERA_DIR/node$n/pid" 2>/dev/null) || continue
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null
  done
  rm -rf "$GALERA_DIR"
  GALERA_DIR=""
}

# run as a command rather than sourced
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -u
  case "${1:-}" in
    start) galera_start && echo "export TEST_GALERA_URLS='$TEST_GALERA_URLS' GALERA_DIR='$GALERA_DIR'" ;;
    stop) galera_stop ;;
    kill) galera_kill "$2" ;;
    restart) galera_restart "$2" ;;
    *) echo "usage: $0 start|stop|kill N|restart N (kill, restart and stop need GALERA_DIR)" >&2; exit 2 ;;
  esac
fi
