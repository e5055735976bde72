#!/usr/bin/env bash
# Installs Debian packages the test and bench scripts need, for the scripts that source it
# (mariadb-test-server.sh, galera-test-cluster.sh, test.sh).
#
#   debian_install PACKAGE...    installs the given packages (the caller names only missing
#                                ones); runs `apt-get update` at most once per shell
#   debian_unpack PACKAGE DIR    unpacks a package's files into DIR without installing it
#   mariadb_server_binary        prints where mariadb-server's mariadbd is; fails when it is not
#                                installed (/usr/sbin is not on every user's PATH)

debian_install() {
  [ $# -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "missing $* and this user cannot install them: apt-get install $*" >&2
    return 1
  fi
  echo "installing $* from Debian's packages..."
  debian_update || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

mariadb_server_binary() {
  command -v mariadbd 2>/dev/null || { [ -x /usr/sbin/mariadbd ] && echo /usr/sbin/mariadbd; }
}

debian_unpack() { # package, directory
  local deb; deb=$(mktemp -d)
  ( cd "$deb" && { apt-get download "$1" >/dev/null 2>&1 || { [ "$(id -u)" = 0 ] && debian_update && apt-get download "$1" >/dev/null; }; } ) &&
    mkdir -p "$2" && dpkg-deb -x "$deb"/"$1"_*.deb "$2"
  local status=$?
  rm -rf "$deb"
  return $status
}

debian_update() {
  [ -n "${DEBIAN_UPDATED:-}" ] && return 0
  apt-get update -qq && DEBIAN_UPDATED=1
}
