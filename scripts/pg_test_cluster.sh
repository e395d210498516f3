#!/bin/bash
# A throwaway PostgreSQL 15 + PostGIS 3 cluster for the tests (no system service).
#
#   scripts/pg_test_cluster.sh start   # install postgresql-15-postgis-3 if missing, initdb, start, create the database
#   scripts/pg_test_cluster.sh url     # print the connection URL (what RENEWALGIS_TEST_PG takes)
#   scripts/pg_test_cluster.sh stop    # stop the server and remove its directory
#
# The cluster lives in $RENEWALGIS_PG_DIR (default /tmp/renewalgis-pg-test), listens on 127.0.0.1 at
# $RENEWALGIS_PG_PORT (default 55432) with its socket in that directory, trusts local connections, and
# holds the database renewalgis_test with the postgis extension. PostgreSQL refuses to run as root, so
# when started as root the server runs as the user `postgres` (created if missing) who owns the directory.
# start and stop are idempotent: start on a running cluster only prints its URL's state, stop on none is quiet.
set -euo pipefail

PG_BIN=${RENEWALGIS_PG_BIN:-/usr/lib/postgresql/15/bin}
DIR=${RENEWALGIS_PG_DIR:-/tmp/renewalgis-pg-test}
PORT=${RENEWALGIS_PG_PORT:-55432}
DB=renewalgis_test
PG_USER=postgres
PACKAGE=postgresql-15-postgis-3
LOG="$DIR/server.log"

die() { echo "pg_test_cluster: $*" >&2; exit 1; }

# Runs a command as the cluster's owner (as root: the postgres user; otherwise the caller).
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

install_postgis() {
  dpkg-query -W -f='${Status}' "$PACKAGE" 2>/dev/null | grep -q "install ok installed" && return 0
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  echo "pg_test_cluster: installing $PACKAGE" >&2
  if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$PACKAGE" >&2; then
    $sudo apt-get update -q >&2 || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$PACKAGE" >&2 || die "could not install $PACKAGE"
  fi
}

running() { [ -f "$DIR/data/postmaster.pid" ] && as_owner "$PG_BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; }

url() { echo "postgresql://$PG_USER@127.0.0.1:$PORT/$DB"; }

psql_db() { as_owner "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U "$PG_USER" "$@"; }

start() {
  [ -x "$PG_BIN/initdb" ] || die "no PostgreSQL 15 at $PG_BIN (apt-get install postgresql-15)"
  install_postgis
  if [ "$(id -u)" = 0 ] && ! id "$PG_USER" >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash "$PG_USER" || die "could not create user $PG_USER"
  fi
  if running; then echo "pg_test_cluster: already running at $(url)" >&2; return 0; fi
  if [ -d "$DIR/data" ] && [ ! -f "$DIR/data/PG_VERSION" ]; then rm -rf "$DIR"; fi
  mkdir -p "$DIR"
  [ "$(id -u)" = 0 ] && chown "$PG_USER": "$DIR"
  chmod 700 "$DIR"
  if [ ! -f "$DIR/data/PG_VERSION" ]; then
    # C locale: text compares and sorts bytewise, as SQLite's BINARY collation does.
    as_owner "$PG_BIN/initdb" -D "$DIR/data" -U "$PG_USER" --auth=trust --encoding=UTF8 --locale=C >"$DIR/initdb.log" 2>&1 \
      || die "initdb failed (see $DIR/initdb.log)"
  fi
  # Port in use by someone else? (max_connections 500: the test suites run many stores, each with its pool, side by side.)
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then die "port $PORT is in use; set RENEWALGIS_PG_PORT"; fi
  as_owner "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$LOG" -w -t 60 \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=500 -c fsync=off -c full_page_writes=off -c synchronous_commit=off" start >/dev/null \
    || die "the server did not start (see $LOG)"
  if ! psql_db -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
    psql_db -d postgres -c "CREATE DATABASE $DB" || die "could not create database $DB"
  fi
  psql_db -d "$DB" -c "CREATE EXTENSION IF NOT EXISTS postgis" || die "could not create the postgis extension in $DB"
  echo "pg_test_cluster: running at $(url)" >&2
}

stop() {
  if [ -f "$DIR/data/PG_VERSION" ]; then
    as_owner "$PG_BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DIR"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) url ;;
  *) die "usage: $0 start|stop|url" ;;
esac
