#!/usr/bin/env bash
# Regenerates Sources/VectorTiles/vector_tile.pb.swift from Sources/VectorTiles/vector_tile.proto with
# protoc (Debian's protobuf-compiler, installed when missing) and swift-protobuf's protoc-gen-swift,
# built once from the same swift-protobuf version Package.swift names (a first build of the plugin
# takes minutes, which is why the generated file is committed and `make` never runs this).
#   bash scripts/gen_vector_tile_proto.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VERSION=$(grep -o 'swift-protobuf", from: "[0-9.]*"' "$ROOT/Package.swift" | grep -o '[0-9][0-9.]*')
command -v protoc >/dev/null || { apt-get update -qq && apt-get install -y -qq protobuf-compiler; }
PLUGIN_DIR=${RENEWALGIS_CACHE:-$HOME/.cache/renewalgis}/protoc-gen-swift-$VERSION
if [ ! -x "$PLUGIN_DIR/protoc-gen-swift" ]; then
    work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
    git clone -q --depth 1 --branch "$VERSION" https://github.com/apple/swift-protobuf "$work/swift-protobuf"
    (cd "$work/swift-protobuf" && swift build -c release --product protoc-gen-swift >/dev/null)
    mkdir -p "$PLUGIN_DIR"
    cp "$work/swift-protobuf/.build/release/protoc-gen-swift" "$PLUGIN_DIR/"
fi
protoc --plugin=protoc-gen-swift="$PLUGIN_DIR/protoc-gen-swift" --swift_opt=Visibility=Internal \
    --proto_path="$ROOT/Sources/VectorTiles" --swift_out="$ROOT/Sources/VectorTiles" vector_tile.proto
echo "wrote Sources/VectorTiles/vector_tile.pb.swift (protoc $(protoc --version | cut -d' ' -f2), protoc-gen-swift $VERSION)"
