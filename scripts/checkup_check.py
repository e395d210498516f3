#!/usr/bin/env python3
"""Recomputes three health-check indicators with GeoPandas and compares them with `renewalgis checkup`.

usage: checkup_check.py STORE METRIC_CRS

STORE is a SpatiaLite store after `renewalgis checkup` (GDAL reads its layers); METRIC_CRS the CRS
the tool printed. For every level layer checkup_<level> the script assigns each parcel to the unit
holding its centroid (or its representative point when the centroid falls outside the parcel), each
facility to the unit holding its point, and recomputes, without reading the tool's intermediate
results:
  - park_area_per_capita       area of parcels whose land_use starts with 1401 ÷ residents (m²/人)
  - unsafe_housing_count       residential parcels (land_use 07…) with safety_grade C or D
  - primary_school_places_gap  ⌈residents × 60 ÷ 1000⌉ − capacity of the unit's primary schools, at least 0
and the residents per unit. Values must agree within 1e-6 relative (areas go through two PROJ
transformations), counts exactly. Prints one PASS/FAIL line per level and exits 1 on a difference.
"""
import math
import sys

import geopandas as gpd
import numpy as np
import pandas as pd


def representative_points(parcels):
    centroids = parcels.geometry.centroid
    inside = centroids.intersects(parcels.geometry)
    return gpd.GeoSeries(centroids.where(inside, parcels.geometry.representative_point()), crs=parcels.crs)


def unit_of(points, units):
    """The first unit (in layer order) covering each point, -1 outside all."""
    frame = gpd.GeoDataFrame(geometry=points.values, crs=points.crs)
    joined = gpd.sjoin(frame, gpd.GeoDataFrame({"unit": np.arange(len(units))}, geometry=units.geometry.values, crs=units.crs),
                       how="left", predicate="covered_by")
    first = joined.groupby(level=0)["unit"].min()
    return first.reindex(range(len(points))).fillna(-1).astype(int).values


def close(a, b):
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    return b is not None and not (isinstance(b, float) and math.isnan(b)) and abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def main(store, metric):
    parcels = gpd.read_file(store, layer="parcels").to_crs(metric)
    facilities = gpd.read_file(store, layer="facilities").to_crs(metric)
    land_use = parcels["land_use"].fillna("").astype(str)
    residential = land_use.str.startswith("07").values
    population = pd.to_numeric(parcels["population"], errors="coerce").fillna(0).values
    park = land_use.str.startswith("1401").values
    area = parcels.geometry.area.values
    unsafe = residential & parcels["safety_grade"].fillna("").astype(str).str.upper().isin(["C", "D"]).values
    schools = facilities[(facilities["category"] == "primary_school") & facilities["capacity"].notna()]
    school_capacity = pd.to_numeric(schools["capacity"]).values
    points = representative_points(parcels)
    school_points = schools.geometry.centroid

    failed = False
    levels = [name for name in gpd.list_layers(store)["name"] if name.startswith("checkup_") and name != "checkup_ledger"]
    for layer in sorted(levels):
        units = gpd.read_file(store, layer=layer).to_crs(metric)
        member = unit_of(points, units)
        site = unit_of(school_points, units) if len(schools) else np.array([], dtype=int)
        differences = []
        for u in range(len(units)):
            inside = member == u
            residents = population[inside].sum()
            mine = {
                "residents": residents,
                "park_area_per_capita": area[inside & park].sum() / residents if residents > 0 else None,
                "unsafe_housing_count": float((inside & unsafe).sum()),
                "primary_school_places_gap": max(0.0, math.ceil(round(residents * 60 / 1000, 9)) - school_capacity[site == u].sum()),
            }
            for column, value in mine.items():
                tool = units[column].iloc[u]
                tool = None if pd.isna(tool) else float(tool)
                if not close(value, tool):
                    differences.append(f"{units['unit_id'].iloc[u]} {column}: GeoPandas {value}, tool {tool}")
        ok = not differences
        failed |= not ok
        print(f"{'PASS' if ok else 'FAIL'} {layer}: {len(units)} units, residents, park_area_per_capita, unsafe_housing_count and "
              f"primary_school_places_gap recomputed with GeoPandas" + ("" if ok else f"; {len(differences)} differ, e.g. " + "; ".join(differences[:5])))
    if not levels:
        print("FAIL no checkup_<level> layer in the store (run renewalgis checkup first)")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
