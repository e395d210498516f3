#!/bin/bash
# Fails when a dependency points the wrong way (docs/architecture.md draws the arrows).
#
#   scripts/check_layers.sh          # exit 0: every rule holds; 1: a violation, named by file and line
#
# Rules:
#  1. A target imports only the project targets listed for it below (external packages are free,
#     except where a rule names them). Package.swift declares the same arrows; this catches an
#     `import` that a declared dependency would allow but the layering does not (and keeps the
#     table readable in one place).
#  2. Geometry values and planar algorithms (Sources/GeoKernel/Values, Sources/GeoKernel/Planar)
#     import no C library: they are plain Swift that any target can use and test without GEOS/PROJ.
#  3. Analyses import no storage, file or web module, and start no threads (the jobs layer owns
#     parallelism). Files still waiting for that move are listed in PENDING with the step that
#     moves them; a listed file that no longer breaks the rule fails the check, so the list stays true.
#  4. The HTTP adapter (RenewalServer) writes no SQL and runs no GEOS or PROJ; same PENDING rule.
#  5. The storage seam (GeoStore) and CQL2 know no database: no GRDB, no SQL text.
#  6. The OGC API core (OGCFeatures) knows no web framework and no database: no Hummingbird, NIO or
#     HTTP types, no GRDB, no SQL text. What it answers can be served by any adapter and tested without one.
#  7. The jobs (RenewalRunner) run no GEOS (geometry work is the kernel's or an analysis's), and read
#     store layers only through Inputs/LayerLoader.swift (one place checks fields and projects).
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A ALLOWED=(
  [Support]="CThreads"
  [GeoKernel]="CGEOS CPROJ"
  [RenewalDomain]="Support"
  [RenewalAnalysis]="GeoKernel RenewalDomain Support"
  [GeoStore]="GeoKernel"
  [CQL2]="GeoKernel GeoStore"
  [GeoFiles]="GeoKernel CGDAL CSpatiaLite CSystemZlib Support"
  [RenewalStore]="GeoKernel GeoStore CSpatiaLite"
  [PostGISStore]="GeoKernel GeoStore"
  [RenewalRunner]="GeoKernel GeoStore GeoFiles RenewalStore PostGISStore RenewalDomain RenewalAnalysis Support VectorTiles"
  [VectorTiles]="GeoKernel"
  [OGCFeatures]="GeoKernel GeoStore CQL2 VectorTiles Support"
  [RenewalServer]="GeoKernel GeoStore OGCFeatures Support"
  [renewalgis]="GeoKernel GeoStore CQL2 OGCFeatures GeoFiles RenewalStore RenewalDomain RenewalAnalysis RenewalRunner RenewalServer Support"
)
PROJECT_MODULES=" ${!ALLOWED[*]} CGEOS CPROJ CGDAL CSpatiaLite CThreads CSystemZlib "

# Known breaches of rules 3 and 4, each with the step of issue 15 that removes it.
PENDING=(
)

failures=0
fail() { echo "check_layers: $*" >&2; failures=$((failures + 1)); }
pending_for() { local f=$1; for p in "${PENDING[@]}"; do [[ $p == "$f "* ]] && { echo "$p"; return 0; }; done; return 1; }

# Rule 1: imports between project targets.
for dir in Sources/*/; do
  target=$(basename "$dir")
  [[ -v ALLOWED[$target] ]] || { [[ $target == C* ]] && continue; fail "$dir: target missing from the table in $0"; continue; }
  allowed=" ${ALLOWED[$target]} "
  while IFS=: read -r file line text; do
    module=$(sed -E 's/^(@testable )?import (struct |class |enum |func )?([A-Za-z_]+).*/\3/' <<<"$text")
    [[ $PROJECT_MODULES == *" $module "* ]] || continue
    [[ $allowed == *" $module "* ]] || fail "$file:$line: $target may not import $module (allowed: ${ALLOWED[$target]:-nothing})"
  done < <(grep -rnE '^(@testable )?import ' "$dir" --include='*.swift' || true)
done

# Rule 2: values and planar algorithms are plain Swift.
while IFS=: read -r file line text; do
  fail "$file:$line: geometry values and planar algorithms import no C library ($text)"
done < <(grep -rnE '^import C[A-Z]' Sources/GeoKernel/Values Sources/GeoKernel/Planar --include='*.swift' || true)

# Rules 3 and 4: what a file may not do, with the pending list.
check_absent() {  # rule-name dir regex
  local rule=$1 dir=$2 regex=$3 files
  files=$(grep -rlE "$regex" "$dir" --include='*.swift' || true)
  for f in $files; do
    pending_for "$f" >/dev/null || fail "$f: $rule ($(grep -nE "$regex" "$f" | head -1))"
  done
}
check_absent "an analysis starts no threads" Sources/RenewalAnalysis 'concurrentPerform|Thread\.|DispatchQueue|PendingResults'
check_absent "an analysis imports no storage, files or web" Sources/RenewalAnalysis '^import (GRDB|RenewalStore|GeoFiles|Hummingbird)'
check_absent "the HTTP adapter writes no SQL" Sources/RenewalServer '"[^"]*\b(SELECT|INSERT|UPDATE|DELETE FROM|WHERE)\b'
check_absent "the HTTP adapter runs no GEOS or PROJ" Sources/RenewalServer 'GEOSContext|Projector\(|ProjectorPool'
check_absent "the storage seam knows no database" Sources/GeoStore '^import (GRDB|CSpatiaLite)|"[^"]*\b(SELECT|INSERT|WHERE)\b'
check_absent "the OGC API core knows no web framework or database" Sources/OGCFeatures '^import (Hummingbird|HTTPTypes|NIO[A-Za-z]*|GRDB|CSpatiaLite|RenewalStore)|"[^"]*\b(SELECT|INSERT|WHERE)\b'
check_absent "CQL2 knows no database" Sources/CQL2 '^import (GRDB|CSpatiaLite|RenewalStore)|"[^"]*\b(SELECT|INSERT|WHERE|GLOB)\b'
check_absent "the jobs run no GEOS" Sources/RenewalRunner 'GEOSContext|GEOSPrepared|GEOSGeometry'
while IFS=: read -r file line text; do
  [[ $file == Sources/RenewalRunner/Inputs/LayerLoader.swift ]] || fail "$file:$line: the jobs read layers through LayerLoader ($text)"
done < <(grep -rnE 'store\.forEachFeature\(' Sources/RenewalRunner --include='*.swift' || true)
for p in "${PENDING[@]}"; do
  f=${p%% *}
  [[ -f $f ]] || { fail "PENDING names $f, which no longer exists: update the list"; continue; }
  if [[ $f == Sources/RenewalAnalysis/* ]]; then regex='concurrentPerform|Thread\.|DispatchQueue|PendingResults'
  else regex='"[^"]*\b(SELECT|INSERT|UPDATE|DELETE FROM|WHERE)\b|GEOSContext|Projector\(|ProjectorPool'; fi
  grep -qE "$regex" "$f" || fail "PENDING lists $f but it no longer breaks its rule: remove it from the list"
done

if ((failures)); then echo "check_layers: $failures violation(s)" >&2; exit 1; fi
echo "check_layers: every arrow points down (${#PENDING[@]} known breaches pending, listed in $0)"
