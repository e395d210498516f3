#!/usr/bin/env bash
# A whole city on /map, drawn from vector tiles in headless chromium, and how long it takes:
#   1. the city (synthetic, ../shared/bench; L: 207,009 parcels) imported into a SpatiaLite store and served;
#   2. /map#12/… centred on the parcels, in a window that holds their whole extent at zoom 12 (about
#      3,300 × 3,400 pixels for L), then /map#16/… at the centre in 1,280 × 960;
#   3. each screenshot cut into cells: every cell the parcels' boxes cover (from the GeoPackage's
#      R-tree, not through RenewalGIS) must show parcel colours (scripts/map_cells.py), and a click on
#      a parcel at zoom 16 must open a popup with the whole feature.
# Prints the time from navigation until the page reported it had drawn, the cells and the popup;
# keeps the screenshots in OUT (default out/map_city). Exits 1 when a check fails.
#   bash scripts/map_city.sh [BIN=.build/release/renewalgis] [SIZE=L] [OUT=out/map_city]
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"
BIN=$(bench_binary "${1:-}")
SIZE=${2:-L}; OUT=${3:-$ROOT/out/map_city}
ensure_city "$SIZE"
GPKG=$DATA/$SIZE/city.gpkg
mkdir -p "$OUT"
WORK=$(mktemp -d); SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT
[ -f "$ROOT/vendor/maplibre/maplibre-gl.js" ] || make -C "$ROOT" maplibre > /dev/null

"$BIN" import "$GPKG" --store "$WORK/city.sqlite" > "$WORK/import.log"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
"$BIN" serve --store "$WORK/city.sqlite" --port "$PORT" --styles "$ROOT/Styles" --assets "$ROOT/vendor/maplibre" > "$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 300); do curl -fs -o /dev/null "$URL/conformance" && break; sleep 0.1; done
# Wait for the layers to be held (serve logs "warm-up done"), so the first tiles do not race it.
for _ in $(seq 1 600); do grep -q "warm-up done" "$WORK/serve.log" && break; sleep 0.1; done
curl -fs "$URL/styles/parcels" -o "$WORK/style.json"

# The centre of the parcels' extent, and the window that holds it all at zoom 12 (MapLibre: 512 × 2^z
# pixels round the world), with room for the panel.
read -r LON LAT W12 H12 < <(python3 - "$URL" <<'EOF'
import json, math, sys, urllib.request
box = json.load(urllib.request.urlopen(sys.argv[1] + "/collections/parcels"))["extent"]["spatial"]["bbox"][0]
def px(lon, lat, z=12):
    s = 512 * 2 ** z
    return (lon + 180) / 360 * s, (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * s
(x0, y0), (x1, y1) = px(box[0], box[3]), px(box[2], box[1])
cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
lon = cx / (512 * 2 ** 12) * 360 - 180
lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * cy / (512 * 2 ** 12)))))
print(f"{lon:.6f} {lat:.6f} {int(x1 - x0) + 640} {int(y1 - y0) + 200}")
EOF
)
FAILED=0
shot() {  # ZOOM WIDTH HEIGHT GRID [--click LAYER]
    local z=$1 w=$2 h=$3 grid=$4; shift 4
    if ! python3 "$ROOT/scripts/chromium_map.py" "$URL/map#$z/$LAT/$LON" "$OUT/z$z.png" "$OUT/z$z.json" --size "$w,$h" --timeout 600 "$@" \
        2> "$WORK/chromium_$z.err"; then
        echo "zoom $z: the page did not draw: $(tail -2 "$WORK/chromium_$z.err")"; FAILED=1; return
    fi
    python3 - "$OUT/z$z.json" "$z" "$w" "$h" <<'EOF' || FAILED=1
import json, sys
r = json.load(open(sys.argv[1]))
print(f"zoom {sys.argv[2]}, {sys.argv[3]}x{sys.argv[4]}: the page reported {r['status']} {r['seconds']} s after navigation; "
      f"features drawn: " + ", ".join(f"{k} {v}" for k, v in r["rendered"].items()) + (f"; errors {r['errors']}" if r["errors"] else ""))
if "popup" in r:
    rows = dict(r["popup"])
    print(f"  click: a popup of {len(rows)} rows: " + ", ".join(f"{k}={v}" for k, v in r["popup"]))
    sys.exit(0 if rows.get("layer") == "parcels-fill" and len(rows) > 3 else 1)
sys.exit(0 if r["status"] == "ready" else 1)
EOF
    python3 "$ROOT/scripts/map_cells.py" "$OUT/z$z.png" "$WORK/style.json" "$GPKG" --center "$LON,$LAT" --zoom "$z" --grid "$grid" \
        --skip 0,0,300,380 | sed 's/^/  /' || FAILED=1
}
echo "/map of $SIZE ($(grep -o 'imported parcels: [0-9]* features' "$WORK/import.log")), centre $LON,$LAT, $(date -u +%FT%RZ)"
shot 12 "$W12" "$H12" 16,12
shot 16 1280 960 8,6 --click parcels-fill
echo "screenshots: $OUT/z12.png, $OUT/z16.png"
exit $FAILED
