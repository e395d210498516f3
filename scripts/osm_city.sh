#!/usr/bin/env bash
# Turns a real OpenStreetMap extract (.osm.pbf) into a small "city" GeoPackage in RenewalGIS's
# layer schema, so that tests and checks can run the analyses on real streets:
#   streets     LINESTRING  street_id, class (= OSM highway), name, foot, sidewalk, bridge, layer,
#                           access, tunnel, other_tags (GDAL's hstore text of all remaining tags)
#   parcels     POLYGON     parcel_id, land_use (用地用海 code), building, levels, population
#   facilities  POINT       facility_id, category (RenewalGIS category keys), name, capacity, area_m2, osm_tag
#   water       POLYGON     water_id, kind       (natural=water, water=*, waterway=riverbank, landuse=basin/reservoir)
#   waterways   LINESTRING  waterway_id, kind    (waterway=river/stream/canal/ditch/drain)
# All in EPSG:4326 (OSM's own). The data is © OpenStreetMap contributors, ODbL 1.0
# (see scripts/osm_sample.sh for where the extracts come from).
#
# What is assumed, since OSM does not say it the way a Chinese planning dataset would:
# - every building tagged apartments/residential/house/detached/terrace/dormitory, or just "yes",
#   counts as a residential parcel (land_use 070101); other buildings get 0901 (commercial) or 08
#   (public) — central Helsinki's "yes" buildings are mostly mixed-use blocks with flats;
# - population = footprint area × levels (building:levels, else 5) ÷ 35 m² a person, rounded;
# - facilities come from amenity/leisure/shop tags on points and, as a point on their surface,
#   on polygons; the mapping is the CASE below.
#
# Usage: scripts/osm_city.sh PBF OUT.gpkg
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 PBF OUT.gpkg" >&2; exit 2; }
pbf=$1
out=$2
[ -s "$pbf" ] || { echo "osm_city.sh: $pbf: no such file" >&2; exit 1; }
rm -f "$out"
export OGR_GEOMETRY_ACCEPT_UNCLOSED_RING=NO
export CPL_LOG=/dev/null

tag() { echo "hstore_get_value(other_tags, '$1')"; }

ogr() {
  local name=$1 type=$2 sql=$3
  local update=()
  [ -e "$out" ] && update=(-update)
  ogr2ogr -q -f GPKG "$out" "$pbf" "${update[@]}" -a_srs EPSG:4326 -dialect sqlite -sql "$sql" -nln "$name" -nlt "$type" \
    -lco FID=fid -lco GEOMETRY_NAME=geom
}

ogr streets LINESTRING "
  SELECT 'W' || osm_id AS street_id, highway AS class, name,
         $(tag foot) AS foot, $(tag sidewalk) AS sidewalk, $(tag bridge) AS bridge,
         $(tag layer) AS layer, $(tag access) AS access, $(tag tunnel) AS tunnel,
         other_tags, geometry
  FROM lines WHERE highway IS NOT NULL"

ogr parcels POLYGON "
  SELECT CASE WHEN osm_way_id IS NOT NULL THEN 'W' || osm_way_id ELSE 'R' || osm_id END AS parcel_id,
         CASE WHEN building IN ('yes','apartments','residential','house','detached','terrace','dormitory')
              THEN '070101'
              WHEN building IN ('public','civic','government','school','university','hospital','church','cathedral','chapel')
              THEN '08'
              ELSE '0901' END AS land_use,
         building,
         CAST(COALESCE($(tag building:levels), '5') AS INTEGER) AS levels,
         CAST(ROUND(ST_Area(ST_Transform(geometry, 32635)) * CAST(COALESCE($(tag building:levels), '5') AS INTEGER) / 35.0) AS INTEGER) AS population,
         ST_GeometryN(geometry, 1) AS geometry
  FROM multipolygons
  WHERE building IS NOT NULL AND ST_NumGeometries(geometry) = 1"

facility_case="CASE
    WHEN amenity = 'kindergarten' THEN 'kindergarten'
    WHEN amenity = 'childcare' THEN 'childcare'
    WHEN amenity = 'school' THEN 'primary_school'
    WHEN amenity IN ('clinic','doctors') THEN 'clinic'
    WHEN amenity = 'social_facility' THEN 'elderly_care'
    WHEN amenity = 'community_centre' THEN 'community_service'
    WHEN amenity = 'marketplace' OR shop IN ('supermarket','greengrocer','convenience') THEN 'market'
    WHEN leisure = 'park' THEN 'park'
    WHEN leisure IN ('sports_centre','pitch','fitness_centre') THEN 'sports'
  END"

ogr facilities POINT "
  SELECT facility_id, category, name, capacity, area_m2, osm_tag, geometry FROM (
    SELECT 'N' || osm_id AS facility_id, $facility_case AS category, name, NULL AS capacity, NULL AS area_m2,
           COALESCE('amenity=' || amenity, 'shop=' || shop, 'leisure=' || leisure) AS osm_tag, geometry
    FROM (SELECT osm_id, name, $(tag amenity) AS amenity, $(tag shop) AS shop, $(tag leisure) AS leisure, geometry
          FROM points)
    UNION ALL
    SELECT CASE WHEN osm_way_id IS NOT NULL THEN 'W' || osm_way_id ELSE 'R' || osm_id END, $facility_case, name, NULL,
           ROUND(ST_Area(ST_Transform(geometry, 32635)), 1),
           COALESCE('amenity=' || amenity, 'shop=' || shop, 'leisure=' || leisure),
           ST_PointOnSurface(geometry)
    FROM multipolygons)
  WHERE category IS NOT NULL"

ogr water POLYGON "
  SELECT CASE WHEN osm_way_id IS NOT NULL THEN 'W' || osm_way_id ELSE 'R' || osm_id END AS water_id,
         COALESCE(\"natural\", $(tag water), $(tag waterway), landuse) AS kind,
         ST_GeometryN(geometry, 1) AS geometry
  FROM multipolygons
  WHERE (\"natural\" = 'water' OR $(tag water) IS NOT NULL OR $(tag waterway) = 'riverbank'
         OR landuse IN ('basin','reservoir')) AND ST_NumGeometries(geometry) = 1"

ogr waterways LINESTRING "
  SELECT 'W' || osm_id AS waterway_id, waterway AS kind, geometry
  FROM lines WHERE waterway IN ('river','stream','canal','ditch','drain')"

for l in streets parcels facilities water waterways; do
  n=$(ogrinfo -ro -q -sql "SELECT COUNT(*) AS n FROM $l" "$out" 2>/dev/null | sed -n 's/.*n (Integer) = //p')
  echo "$l: ${n:-0}" >&2
done
