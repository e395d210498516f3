"""OWSLib (the OGC client library for Python, from PyPI) against a running `renewalgis serve`.

    python scripts/owslib_check.py URL STORE

Reads through OWSLib's OGC API – Features client, as a Python user would: the collections, a page of
parcels, the parcels' queryables, and a CQL2 filter with spaces (OWSLib sends query strings
form-encoded, a space as `+`). Each answer is compared with the store itself (sqlite3, read-only).
Prints one line per check and a summary; exits 1 when any check fails.
"""
import sqlite3
import sys

from owslib.ogcapi.features import Features


def main() -> int:
    url, store = sys.argv[1], sys.argv[2]
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    failures = []

    def check(ok: bool, what: str) -> None:
        print(("PASS " if ok else "FAIL ") + what)
        if not ok:
            failures.append(what)

    api = Features(url)
    names = sorted(c["id"] for c in api.collections()["collections"])
    layers = sorted(r[0] for r in db.execute("SELECT name FROM renewalgis_layers"))
    check(names == layers, f"collections: {len(names)} listed, store has {len(layers)}")

    parcels = db.execute("SELECT count(*) FROM parcels").fetchone()[0]
    page = api.collection_items("parcels", limit=10)
    check(len(page["features"]) == 10 and page.get("numberMatched") == parcels,
          f"items: {len(page['features'])} features of numberMatched {page.get('numberMatched')}, store {parcels}")

    queryables = api.collection_queryables("parcels")
    columns = [r[1] for r in db.execute("PRAGMA table_info(parcels)") if r[1] not in ("fid", "geom")]
    missing = [c for c in columns if c not in queryables.get("properties", {})]
    check(not missing, f"queryables: {len(queryables.get('properties', {}))} properties, the store's {len(columns)} columns all there"
          + (f" (missing {missing})" if missing else ""))

    # A filter with spaces, form-encoded by OWSLib (requests): a space travels as '+'.
    text = "land_use LIKE '07%' AND land_use <> '0701'"
    expected = db.execute("SELECT count(*) FROM parcels WHERE land_use GLOB '07*' AND land_use <> '0701'").fetchone()[0]
    got = api.collection_items("parcels", filter=text, limit=1000)
    uses = {f["properties"].get("land_use", "") for f in got["features"]}
    check(got.get("numberMatched") == expected and all(u.startswith("07") and u != "0701" for u in uses) and expected > 0,
          f'filter "{text}": numberMatched {got.get("numberMatched")}, store {expected}, {len(got["features"])} features on the page')

    print(f"owslib: {4 - len(failures)} of 4 checks passed (items, queryables, a CQL2 filter with spaces, collections)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
