#!/usr/bin/env bash
# Batch-run benchmark: `renewalgis run PROJECT.yaml` on the synthetic cities (default M L) — import,
# coverage (straight line), conflicts, eligibility (→ 080701) and renewal units in one command on a
# fresh store — reporting the stages' times from the run's own log, the wall time and the peak RSS.
#
#   bash scripts/bench_batch.sh [RENEWALGIS_BINARY] [SIZES...]
set -euo pipefail
source "$(dirname "$0")/bench_lib.sh"
bench_args "M L" "$@"

for size in "${SIZES[@]}"; do
  ensure_city "$size"
  cat > "$WORK/$size.yaml" <<YAML
store: $WORK/$size.sqlite
layers:
  - file: $DATA/$size/city.gpkg
coverage: {mode: straight}
eligibility: {to: ["080701"]}
units: {min_ha: 10, max_ha: 50, seed: 1}
report: $WORK/${size}_report.md
YAML
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$BIN" run "$WORK/$size.yaml" >"$WORK/out" 2>"$WORK/err" || { cat "$WORK/err"; exit 1; }
  read -r wall rss < "$WORK/time"
  echo
  echo "## $size: renewalgis run (import, coverage, conflicts, eligibility → 080701, units)"
  echo
  echo "| stage | seconds | result |"
  echo "|---|---:|---|"
  awk '/^== /{stage=substr($0,4)} /^   [^ ].*\([0-9.]+ s\)$/ && !/^   units:/ {
         t=$0; sub(/^ +/,"",t); n=match(t,/\([0-9.]+ s\)$/); secs=substr(t,n+1); sub(/ s\)$/,"",secs);
         printf "| %s | %s | %s |\n", stage, secs, substr(substr(t,1,n-2),1,110) }' "$WORK/err"
  echo "| **whole run** | **$wall** | peak RSS $((rss / 1024)) MB |"
done
