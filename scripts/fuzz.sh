#!/bin/bash
# libFuzzer targets for the readers of untrusted input: the GeoJSON, WKB, GeoPackage-blob and
# CSV readers and the CQL2 text and JSON parsers (harnesses and seed corpora in Fuzz/).
#
#   bash scripts/fuzz.sh [SECONDS=15] [TARGET...]     (`make test` runs 15 s each, `make fuzz` FUZZ_SECONDS)
#
# Each target is built with swiftc straight from the package's sources (only the modules it needs,
# not the whole package) with -sanitize=fuzzer,address into .build-fuzz/ (git-ignored), then run
# for SECONDS from a copy of its committed seeds (Fuzz/corpus/TARGET) plus what earlier runs found
# (.build-fuzz/corpus/TARGET). A crash stops the run: its input is left in .build-fuzz/crashes/TARGET/
# and the script exits 1. Per target it prints executions, coverage (cov, ft) and corpus size.
# Env: FUZZ_JOBS (1) targets run at once; FUZZ_NICE (0) nice value of the fuzzers.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-15}
shift || true
ALL_TARGETS=(geojson wkb gpkgblob csv cql2text cql2json)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL_TARGETS[@]}")
OUT=$(pwd)/.build-fuzz
SRC=$(pwd)/Sources
mkdir -p "$OUT/obj" "$OUT/modules/CGDAL" "$OUT/bin"
SAN=(-sanitize=fuzzer,address)
CLANG=$(dirname "$(readlink -f "$(command -v swiftc)")")/clang  # the toolchain's own clang (libFuzzer's runtime)
SWIFTC=(swiftc -O -parse-as-library -enable-testing -I "$OUT/obj" -I "$SRC/CGEOS" -I "$SRC/CPROJ"
        -I "$SRC/CSpatiaLite" -I "$SRC/CSystemZlib" -I "$OUT/modules/CGDAL")

# The C targets SwiftPM compiles: module maps for their headers, objects with ASan.
cat > "$OUT/modules/CGDAL/module.modulemap" <<MAP
module CGDAL { header "$SRC/CGDAL/include/CGDAL.h" export * }
MAP

# $(newer TARGET FILES…): true when TARGET is missing or older than any of FILES.
newer() { local t=$1; shift; [ ! -e "$t" ] && return 0; for f in "$@"; do [ "$f" -nt "$t" ] && return 0; done; return 1; }

c_object() {  # NAME SOURCE INCLUDE
    newer "$OUT/obj/$1.o" "$2" && "$CLANG" -O1 -g -fsanitize=address,fuzzer-no-link -I "$3" -c "$2" -o "$OUT/obj/$1.o"
    return 0
}

swift_module() {  # NAME SOURCES… : one object and its .swiftmodule (rebuilt when a source or GeoKernel changed)
    local name=$1; shift
    local deps=()
    case $name in
        GeoKernel) ;;
        CQL2) deps=("$OUT/obj/GeoKernel.o" "$OUT/obj/GeoStore.o") ;;
        *) deps=("$OUT/obj/GeoKernel.o") ;;
    esac
    if newer "$OUT/obj/$name.o" "$@" "${deps[@]}"; then
        echo "fuzz: compiling $name"
        "${SWIFTC[@]}" "${SAN[@]}" -module-name "$name" -wmo -emit-module -emit-module-path "$OUT/obj/$name.swiftmodule" \
            -c "$@" -o "$OUT/obj/$name.o" 2> >(grep -v "warning: " >&2)
    fi
}

build_modules() {
    # shellcheck disable=SC2046 # file names without spaces
    swift_module GeoKernel $(find "$SRC/GeoKernel" -name '*.swift' | sort)
    case " ${TARGETS[*]} " in *" gpkgblob "*|*" csv "*)
        c_object CGDAL "$SRC/CGDAL/gdal_loader.c" "$SRC/CGDAL/include"
        swift_module GeoFiles "$SRC"/GeoFiles/*.swift ;;
    esac
    # The storage seam's values (the query, the predicate, TimeInstant) are plain Swift.
    swift_module GeoStore "$SRC"/GeoStore/*.swift
    # RenewalStore's one pure reader the blob target needs, without GRDB: the SpatiaLite blob codec.
    swift_module RenewalStore "$SRC/RenewalStore/SpatiaLiteBlob.swift"
    case " ${TARGETS[*]} " in *" cql2"*)
        # The CQL2 target: parsers and the compiler to the neutral predicate (no web, no SQL).
        swift_module CQL2 "$SRC"/CQL2/*.swift ;;
    esac
}

build_target() {  # TARGET
    local t=$1 objs=("$OUT/obj/GeoKernel.o") libs=(-lgeos_c -lproj)
    case $t in
        gpkgblob) objs+=("$OUT/obj/GeoFiles.o" "$OUT/obj/CGDAL.o" "$OUT/obj/RenewalStore.o"); libs+=(-lsqlite3 -ldl -lz) ;;
        csv) objs+=("$OUT/obj/GeoFiles.o" "$OUT/obj/CGDAL.o"); libs+=(-lsqlite3 -ldl -lz) ;;
        cql2*) objs+=("$OUT/obj/CQL2.o" "$OUT/obj/GeoStore.o") ;;
    esac
    if newer "$OUT/bin/fuzz_$t" "Fuzz/Harnesses/$t.swift" "${objs[@]}"; then
        echo "fuzz: linking fuzz_$t"
        "${SWIFTC[@]}" "${SAN[@]}" "Fuzz/Harnesses/$t.swift" "${objs[@]}" "${libs[@]}" -o "$OUT/bin/fuzz_$t" 2> >(grep -v "warning: \|__asan\|__odr_asan\|^$" >&2)
    fi
}

# One build at a time (two runs started together share .build-fuzz/obj).
exec 9>"$OUT/build.lock"
flock 9
build_modules
for t in "${TARGETS[@]}"; do build_target "$t"; done
flock -u 9

run_target() {  # TARGET: prints one summary line; returns 1 on a crash
    local t=$1 corpus=$OUT/corpus/$t crashes=$OUT/crashes/$t log=$OUT/log/$t.log
    mkdir -p "$corpus" "$crashes" "$OUT/log"
    local dict=()
    [ -f "Fuzz/dict/$t.dict" ] && dict=(-dict="Fuzz/dict/$t.dict")
    set +e
    nice -n "${FUZZ_NICE:-0}" env ASAN_OPTIONS=detect_leaks=0 "$OUT/bin/fuzz_$t" "$corpus" "Fuzz/corpus/$t" \
        "${dict[@]}" -max_total_time="$SECONDS_EACH" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$crashes/" > "$log" 2>&1
    local rc=$?
    set -e
    local stats
    stats=$(grep -E "^#[0-9]+.*(DONE|pulse|NEW|REDUCE|INITED)" "$log" | tail -1 | sed 's/^#\([0-9]*\)\s*[A-Z]*\s*/\1 /')
    local execs cov ft corp
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(echo "$stats" | grep -o 'cov: [0-9]*' | cut -d' ' -f2)
    ft=$(echo "$stats" | grep -o 'ft: [0-9]*' | cut -d' ' -f2)
    corp=$(echo "$stats" | grep -o 'corp: [0-9]*/[0-9A-Za-z]*' | cut -d' ' -f2)
    if [ $rc -eq 0 ]; then
        echo "PASS fuzz $t: ${execs:-?} executions in ${SECONDS_EACH} s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}"
    else
        echo "FAIL fuzz $t: exit $rc after ${execs:-?} executions; input in $crashes/, log $log:"
        grep -E "ERROR|SUMMARY|Fatal error|Test unit written" "$log" | head -5
        return 1
    fi
}

FAILED=0
if [ "${FUZZ_JOBS:-1}" -gt 1 ]; then
    pids=()
    for t in "${TARGETS[@]}"; do run_target "$t" > "$OUT/log/$t.summary" & pids+=($!); done
    for i in "${!pids[@]}"; do wait "${pids[$i]}" || FAILED=$((FAILED + 1)); cat "$OUT/log/${TARGETS[$i]}.summary"; done
else
    for t in "${TARGETS[@]}"; do run_target "$t" || FAILED=$((FAILED + 1)); done
fi
[ "$FAILED" -eq 0 ] || { echo "fuzz: $FAILED target(s) crashed"; exit 1; }
