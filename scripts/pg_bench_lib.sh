# PostgreSQL for the PostGIS benchmark and checks (sourced, not run): a throwaway cluster of its own, or
# a server someone else runs, and fresh databases on it.
#   pg_cluster_up        start a private PostgreSQL 15 + PostGIS cluster with scripts/pg_test_cluster.sh, in its
#                        own directory (env BENCH_PG_DIR, default a new /tmp/renewalgis-pg-bench.*) on its own
#                        port (env BENCH_PG_PORT, default a free one; never the test cluster's 55432);
#                        sets PG_SERVER=postgresql://postgres@127.0.0.1:PORT (no database), PG_HOST, PG_PORT, PG_USER
#   pg_cluster_down      stop it and remove its directory (call from an EXIT trap; quiet when none was started)
#   pg_use_url URL       use the server of URL instead (postgresql://user[:password]@host[:port]/db[?…]): sets the same
#   fresh_db NAME        drop database NAME if it exists, create it with the postgis extension; prints its URL
#   drop_db NAME         drop it (quiet when it is not there)
#   pg_sql DB SQL        run SQL in database DB, unaligned tuples out
#   free_port            a TCP port free on 127.0.0.1 right now
PG_SERVER= PG_HOST= PG_PORT= PG_USER=
PG_CLUSTER_DIR=

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

pg_cluster_up() {
    local port=${BENCH_PG_PORT:-$(free_port)}
    [ "$port" = 55432 ] && { echo "port 55432 belongs to the test cluster; set BENCH_PG_PORT to another" >&2; return 1; }
    PG_CLUSTER_DIR=${BENCH_PG_DIR:-$(mktemp -u -d /tmp/renewalgis-pg-bench.XXXXXX)}
    RENEWALGIS_PG_DIR=$PG_CLUSTER_DIR RENEWALGIS_PG_PORT=$port bash "$ROOT/scripts/pg_test_cluster.sh" start || return 1
    PG_SERVER=postgresql://postgres@127.0.0.1:$port PG_HOST=127.0.0.1 PG_PORT=$port PG_USER=postgres
}

pg_cluster_down() {
    [ -n "$PG_CLUSTER_DIR" ] || return 0
    RENEWALGIS_PG_DIR=$PG_CLUSTER_DIR bash "$ROOT/scripts/pg_test_cluster.sh" stop || true
    PG_CLUSTER_DIR=
}

pg_use_url() {
    # Keep scheme, user, password, host and port; drop the database and the query.
    read -r PG_SERVER PG_HOST PG_PORT PG_USER < <(python3 -c '
import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
print(u.urlunsplit((p.scheme, p.netloc, "", "", "")), p.hostname, p.port or 5432, p.username or "postgres")' "$1")
}

pg_sql() { PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 -At -d "$PG_SERVER/$1" -c "$2"; }

fresh_db() {
    local name=$1
    pg_sql postgres "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" >/dev/null &&
    pg_sql postgres "CREATE DATABASE \"$name\"" >/dev/null &&
    pg_sql "$name" "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null &&
    echo "$PG_SERVER/$name"
}

drop_db() { pg_sql postgres "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" >/dev/null 2>&1 || true; }

command -v psql >/dev/null || { echo "psql is missing (apt-get install postgresql-client-15)" >&2; return 1; }
