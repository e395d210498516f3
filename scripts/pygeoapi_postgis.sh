#!/bin/bash
# pygeoapi (OGC API – Features, Python) serving one PostGIS table through its PostgreSQL provider, under
# gunicorn on loopback: the peer of `renewalgis serve --store postgresql://…` in scripts/bench_postgis.sh.
#
#   bash scripts/pygeoapi_postgis.sh start DIR PORT HOST:DBPORT DATABASE [TABLE=parcels] [ID=fid] [WORKERS=4]
#   bash scripts/pygeoapi_postgis.sh stop DIR
#
# DIR receives config.yml, openapi.yml, the logs and gunicorn's pid file. The database user is postgres
# (env PGUSER), no password (the throwaway clusters trust loopback); the table is read in schema public
# (env PG_SCHEMA) with its geometry in column geom.
# Env PYGEOAPI_VENV: a venv holding pygeoapi and gunicorn (default /tmp/pgapi, made by
# ../shared/bench/setup.sh); the provider also needs geoalchemy2, installed into that venv when missing.
#
# Axis order. The tables are in EPSG:4490. pygeoapi 0.21 turns a bbox from its CRS (CRS84 by default) into
# the storage CRS with pyproj in the authority's axis order, so a CRS84 bbox reaches ST_MakeEnvelope
# latitude first and matches nothing (geopython/pygeoapi#2102); left at CRS84 the envelope gets SRID 4326
# and PostGIS refuses to compare it with SRID 4490. So the collection declares storage_crs EPSG:4490 and
# the benchmark's requests add bbox-crs=…/EPSG/0/4490 with the same numbers, longitude first: pygeoapi
# then passes them unchanged to ST_MakeEnvelope(…, 4490) and the GiST index is used. The answers are
# checked (check_bbox_ids.py) before any load is put on the server.
set -euo pipefail
VENV=${PYGEOAPI_VENV:-/tmp/pgapi}

cmd=${1:-}
case "$cmd" in
stop)
    DIR=$2
    if [ -f "$DIR/gunicorn.pid" ]; then
        pid=$(cat "$DIR/gunicorn.pid")
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        rm -f "$DIR/gunicorn.pid"
    fi
    exit 0 ;;
start) ;;
*) echo "usage: $0 start DIR PORT HOST:DBPORT DATABASE [TABLE] [ID] [WORKERS] | stop DIR" >&2; exit 2 ;;
esac

DIR=$2 PORT=$3 DBADDR=$4 DB=$5 TABLE=${6:-parcels} ID=${7:-fid} WORKERS=${8:-4}
DBHOST=${DBADDR%:*} DBPORT=${DBADDR##*:}
[ -x "$VENV/bin/gunicorn" ] && [ -x "$VENV/bin/pygeoapi" ] || { echo "pygeoapi/gunicorn not in $VENV (run ../shared/bench/setup.sh)" >&2; exit 1; }
"$VENV/bin/python" -c 'import geoalchemy2' 2>/dev/null || "$VENV/bin/pip" install -q geoalchemy2 >&2
mkdir -p "$DIR"

cat > "$DIR/config.yml" <<YAML
server:
  bind: {host: 127.0.0.1, port: $PORT}
  url: http://127.0.0.1:$PORT
  mimetype: application/json; charset=UTF-8
  encoding: utf-8
  language: en-US
  cors: false
  pretty_print: false
  limits: {default_items: 10, max_items: 1000}
  map: {url: 'http://127.0.0.1/none/{z}/{x}/{y}.png', attribution: 'none'}
logging:
  level: ERROR
  logfile: $DIR/pygeoapi.log
metadata:
  identification: {title: bench, description: PostGIS serving benchmark, keywords: [bench], keywords_type: theme,
                   terms_of_service: 'none', url: 'http://127.0.0.1/'}
  license: {name: none, url: 'http://127.0.0.1/'}
  provider: {name: bench, url: 'http://127.0.0.1/'}
  contact: {name: bench, position: none, address: none, city: none, stateorprovince: none, postalcode: '0',
            country: none, phone: '0', fax: '0', email: 'none@invalid', url: 'http://127.0.0.1/',
            hours: none, instructions: none, role: pointOfContact}
resources:
  $TABLE:
    type: collection
    title: $TABLE
    description: $TABLE of the synthetic city (PostGIS, EPSG:4490)
    keywords: [$TABLE]
    extents:
      spatial:
        bbox: [105.9, 29.0, 107.2, 30.1]
        crs: http://www.opengis.net/def/crs/OGC/1.3/CRS84
    providers:
      - type: feature
        name: PostgreSQL
        data:
          host: $DBHOST
          port: $DBPORT
          dbname: $DB
          user: ${PGUSER:-postgres}
          search_path: [${PG_SCHEMA:-public}]
        id_field: $ID
        table: $TABLE
        geom_field: geom
        storage_crs: http://www.opengis.net/def/crs/EPSG/0/4490
        crs:
          - http://www.opengis.net/def/crs/OGC/1.3/CRS84
          - http://www.opengis.net/def/crs/EPSG/0/4490
YAML

export PYGEOAPI_CONFIG=$DIR/config.yml PYGEOAPI_OPENAPI=$DIR/openapi.yml
"$VENV/bin/pygeoapi" openapi generate "$PYGEOAPI_CONFIG" --output-file "$PYGEOAPI_OPENAPI" >"$DIR/openapi.log" 2>&1 \
    || { cat "$DIR/openapi.log" >&2; exit 1; }
"$VENV/bin/gunicorn" -w "$WORKERS" -b "127.0.0.1:$PORT" --pid "$DIR/gunicorn.pid" --daemon \
    --error-logfile "$DIR/gunicorn.log" pygeoapi.flask_app:APP
for _ in $(seq 1 150); do
    curl -fs -o /dev/null "http://127.0.0.1:$PORT/collections/$TABLE?f=json" && {
        echo "pygeoapi (PostgreSQL provider, $WORKERS workers) on http://127.0.0.1:$PORT serving $DB.$TABLE" >&2; exit 0; }
    sleep 0.2
done
echo "pygeoapi did not answer on port $PORT:" >&2; tail -20 "$DIR/gunicorn.log" "$DIR/pygeoapi.log" >&2 2>/dev/null
exit 1
