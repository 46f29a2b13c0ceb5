#!/usr/bin/env bash
# Builds every libFuzzer target (fuzz/, cmake/Fuzz.cmake) with clang and runs each for a bounded
# time from its seed corpus. Prints one line per target:
#   target=NAME execs=N crashes=K
# and exits non-zero if any target crashed. Crash inputs land in <build>/fuzz/artifacts/; turn
# each into a regression test in tests/<layer>/ before fixing the reader.
# Usage: scripts/fuzz.sh [seconds-per-target] [target...]     (default 60 s, all targets)
# Env:   MEMPROBE_FUZZ_BUILD (default <repo>/build-fuzz), MEMPROBE_FUZZ_JOBS (default 2),
#        MEMPROBE_FUZZ_SEED (libFuzzer -seed; default random, 1 when CI=true: CI then replays one
#        fixed mutation sequence, which a longer local run with the same seed has covered first,
#        instead of failing at random on whatever a new sequence happens to find).
set -euo pipefail

secs="${1:-60}"
shift || true
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MEMPROBE_FUZZ_BUILD:-$root/build-fuzz}"
jobs="${MEMPROBE_FUZZ_JOBS:-2}"
mkdir -p "$build"

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DMEMPROBE_FUZZ=ON -DMEMPROBE_TESTS=OFF \
  -DMEMPROBE_NATIVE=ON >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j"$jobs" --target fuzz_all >"$build/build.log" 2>&1 ||
  { tail -50 "$build/build.log"; exit 1; }

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(find "$build/fuzz" -maxdepth 1 -type f -executable -name 'fuzz_*' \
    -printf '%f\n' | sort)
fi

failed=0
for t in "${targets[@]}"; do
  bin="$build/fuzz/$t"
  seeds="$root/fuzz/corpus/$t"
  work="$build/fuzz/corpus/$t"  # new inputs go here, so the committed seeds stay small
  artifacts="$build/fuzz/artifacts/$t"
  log="$build/fuzz/$t.log"
  mkdir -p "$work" "$artifacts" "$seeds"
  dict=()
  [ -f "$root/fuzz/$t.dict" ] && dict=("-dict=$root/fuzz/$t.dict")
  before=$(find "$artifacts" -type f | wc -l)
  seed=()
  if [ -n "${MEMPROBE_FUZZ_SEED:-}" ]; then seed=("-seed=$MEMPROBE_FUZZ_SEED")
  elif [ "${CI:-}" = true ]; then seed=("-seed=1"); fi
  rc=0
  # -rss_limit_mb catches a hostile header that makes a reader allocate absurd sizes;
  # -timeout catches hangs. Both count as crashes.
  "$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$artifacts/" "${seed[@]}" "${dict[@]}" "$work" "$seeds" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -1)
  crashes=$(( $(find "$artifacts" -type f | wc -l) - before ))
  if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi
  echo "target=$t execs=${execs:-0} crashes=$crashes"
  if [ "$crashes" -ne 0 ]; then
    failed=1
    grep -m1 -E "ERROR: |runtime error|SUMMARY" "$log" || true
    echo "  log: $log  artifacts: $artifacts"
  fi
done
exit "$failed"
