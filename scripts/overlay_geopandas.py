#!/usr/bin/env python3
"""Reference overlay for the conflicts benchmark: the parcels × constraint zones of a synthetic
city, with GeoPandas (sjoin + overlay), in EPSG:4545.

    python overlay_geopandas.py CITY_DIR OUT_CSV

Writes parcel_id,zone_id,overlap_m2 for every pair whose intersection has area, and prints the
wall time. Zone ids: heritage zones by zone_id; control lines have none in the synthetic city,
so they are named control_lines/<fid>, as RenewalGIS names them.
"""
import sys, time

t0 = time.perf_counter()
import geopandas as gpd
import pandas as pd
import pyogrio

city, out = sys.argv[1], sys.argv[2]
gpkg = f"{city}/city.gpkg"
parcels = gpd.read_file(gpkg, layer="parcels", columns=["parcel_id"]).to_crs(4545)
her = gpd.read_file(gpkg, layer="heritage_zones", columns=["zone_id"]).to_crs(4545)
ctl = pyogrio.read_dataframe(gpkg, layer="control_lines", fid_as_index=True).to_crs(4545)
ctl["zone_id"] = [f"control_lines/{fid}" for fid in ctl.index]
zones = pd.concat([her[["zone_id", "geometry"]], ctl[["zone_id", "geometry"]]], ignore_index=True)
zones = gpd.GeoDataFrame(zones, geometry="geometry", crs=4545)
candidates = gpd.sjoin(parcels, zones, predicate="intersects")[["parcel_id", "zone_id"]]
parts = gpd.overlay(parcels[parcels.parcel_id.isin(candidates.parcel_id)], zones, how="intersection", keep_geom_type=True)
parts["overlap_m2"] = parts.geometry.area
parts = parts[parts.overlap_m2 > 0].groupby(["parcel_id", "zone_id"], as_index=False).overlap_m2.sum()
parts.sort_values(["parcel_id", "zone_id"]).to_csv(out, index=False, float_format="%.3f")
print(f"{time.perf_counter() - t0:.2f}")
