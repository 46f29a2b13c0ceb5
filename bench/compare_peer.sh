#!/bin/sh
# Runs memprobe's benchmark and the PyTorch peer back to back and prints the ratios
# memprobe / PyTorch. On a shared machine the load changes from one minute to the next, so each
# workload is measured as PAIRS of short runs (memprobe then peer, the next pair peer then
# memprobe), each pair giving one ratio; the median of the pair ratios is reported with the
# spread. Usage (from the repository root):
#   bench/compare_peer.sh [build-dir] [threads...]      default: build 2
# Environment: PEER (default bench/torch_peer.py, the PyTorch peer), PAIRS (5),
# SECONDS_PER_RUN (3), ONLY (all workloads).
set -eu
BUILD=${1:-build}
[ $# -gt 0 ] && shift
THREADS=${*:-2}
HERE=$(cd "$(dirname "$0")/.." && pwd)
PEER=${PEER:-$HERE/bench/torch_peer.py}
PAIRS=${PAIRS:-5}
SECS=${SECONDS_PER_RUN:-3}
ONLY=${ONLY:-"mlp-mnist cnn-mnist cnn-cifar"}
MP="$BUILD/memprobe"
[ -x "$MP" ] || { echo "no $MP (build the memprobe target first)" >&2; exit 1; }
[ -f "$PEER" ] || { echo "no peer script at $PEER (set PEER=...)" >&2; exit 1; }
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
mp_run() { "$MP" --threads "$1" bench --only "$2" --runs 1 --seconds "$SECS" 2>/dev/null | grep '^workload='; }
peer_run() { /usr/bin/python3 "$PEER" --threads "$1" --only "$2" --runs 1 --seconds "$SECS" | grep '^workload='; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "# $(date -u +%Y-%m-%dT%H:%MZ) | $(lscpu | sed -n 's/^Model name: *//p') | $(nproc) CPUs | load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $("$MP" --version 2>&1 | head -1) vs $(/usr/bin/python3 -c 'import torch; print("torch", torch.__version__)')"
for t in $THREADS; do
  for w in $ONLY; do
    tr_ratios="" in_ratios="" mts="" pts="" mis="" pis=""
    i=0
    while [ "$i" -lt "$PAIRS" ]; do
      i=$((i + 1))
      if [ $((i % 2)) -eq 1 ]; then m=$(mp_run "$t" "$w"); p=$(peer_run "$t" "$w")
      else p=$(peer_run "$t" "$w"); m=$(mp_run "$t" "$w"); fi
      mt=$(field "$m" train_samples_per_s); mi=$(field "$m" infer_samples_per_s)
      pt=$(field "$p" train_samples_per_s); pi=$(field "$p" infer_samples_per_s)
      tr_ratios="$tr_ratios $(awk -v a="$mt" -v b="$pt" 'BEGIN { printf "%.3f", a / b }')"
      in_ratios="$in_ratios $(awk -v a="$mi" -v b="$pi" 'BEGIN { printf "%.3f", a / b }')"
      mts="$mts $mt" pts="$pts $pt" mis="$mis $mi" pis="$pis $pi"
    done
    med() { echo "$1" | tr ' ' '\n' | grep . | median; }
    printf "workload=%s threads=%s train: memprobe %s torch %s ratio %.2f [%s ] | infer: memprobe %s torch %s ratio %.2f [%s ]\n" \
      "$w" "$t" "$(med "$mts")" "$(med "$pts")" "$(med "$tr_ratios")" "$tr_ratios" \
      "$(med "$mis")" "$(med "$pis")" "$(med "$in_ratios")" "$in_ratios"
    # What the target multiple of the peer's training rate would take, against this machine's
    # ceilings measured now (memprobe bench: the step's GEMMs alone as bare cblas_sgemm calls,
    # and those GEMMs followed by the optimizer's unavoidable update traffic). Above 100 % of the large sgemm (the
    # machine's practical FMA peak) the target is out of reach for any implementation of the
    # step's arithmetic; above 100 % of the step-shape ceiling, for one that runs the step's
    # products through this sgemm (memprobe's own thin and conv kernels can beat that one).
    ceil=$("$MP" --threads "$t" bench --only "$w" --runs 1 --seconds 1 2>/dev/null)
    own=$(echo "$ceil" | sed -n "s/.*ceiling at the step's own GEMM shapes:.* = \([0-9.]*\) samples\/s.*/\1/p")
    serial=$(echo "$ceil" | sed -n 's/.*GEMMs then update \([0-9.]*\) samples\/s.*/\1/p')
    sg=$(echo "$ceil" | sed -n 's/^# sgemm [0-9]*^3: \([0-9.]*\) GFLOP\/s.*/\1/p')
    mf=$(echo "$ceil" | sed -n 's/.* training: \([0-9.]*\) MFLOP of GEMM work per sample.*/\1/p')
    x=2; [ "$w" = cnn-mnist ] && x=1.5  # issue 16's targets
    awk -v w="$w" -v t="$t" -v x="$x" -v p="$(med "$pts")" -v o="$own" -v s="$serial" -v g="$sg" -v f="$mf" 'BEGIN {
      if (o == "" || s == "" || g == "" || f == "") exit
      r = x * p
      printf "# %s threads=%s: %gx torch = %.0f samples/s = %.0f GFLOP/s of GEMM work = %.0f %% of the large sgemm (%.0f GFLOP/s), %.0f %% of the step-shape GEMM ceiling (%.0f samples/s), %.0f %% of GEMMs then update (%.0f)\n",
        w, t, x, r, r * f / 1000, 100 * r * f / 1000 / g, g, 100 * r / o, o, 100 * r / s, s }'
  done
done
