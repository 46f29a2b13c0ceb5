#!/usr/bin/env bash
# Copies a study's result files into a results/ bundle and regenerates its summary and report
# from those files alone (no checkpoints, no labels: each manifest holds their sha256), then
# refreshes the README/docs blocks that include the bundle's tables.
#
#   bash scripts/bundle-results.sh STUDY_DIR BUNDLE_DIR [MEMPROBE]
#
# STUDY_DIR is a `memprobe reproduce --out` directory (its runs under STUDY_DIR/runs, or several
# such directories' runs under STUDY_DIR/*/runs); only analysed runs (with probes.csv) are copied.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
  echo "usage: bash scripts/bundle-results.sh STUDY_DIR BUNDLE_DIR [MEMPROBE]" >&2
  exit 2
fi
src=$1 out=$2 mp=${3:-./build/memprobe}
shopt -s nullglob
n=0
for run in "$src"/runs/*/ "$src"/*/runs/*/; do
  [ -f "$run/probes.csv" ] || continue  # not analysed yet
  name=$(basename "$run")
  mkdir -p "$out/runs/$name"
  for f in manifest.json metrics.csv probes.csv transfer.csv dynamics.csv timing.csv; do
    [ -f "$run/$f" ] && cp "$run/$f" "$out/runs/$name/$f"
  done
  n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "bundle-results: no analysed run under $src" >&2; exit 1; }
echo "bundle-results: $n run(s) from $src into $out"
"$mp" report --runs "$out" --out "$out"
bash scripts/update-readme.sh
