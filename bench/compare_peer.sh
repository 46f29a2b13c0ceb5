#!/bin/sh
# Runs memprobe's benchmark and the PyTorch peer back to back, workload by workload (so each
# pair shares the same minute of a possibly shared machine), and prints the ratios
# memprobe / PyTorch. Usage (from the repository root):
#   bench/compare_peer.sh [build-dir] [threads...]      default: build 1 2
# Environment: PEER (default ../shared/peer/torch_peer.py, OUTSIDE this repository: the peer
# script is shared between projects), RUNS (3), SECONDS_PER_RUN (3), ONLY (all workloads),
# ROUNDS (1: repeat the whole comparison this many times, alternating the order).
set -eu
BUILD=${1:-build}
[ $# -gt 0 ] && shift
THREADS=${*:-"1 2"}
HERE=$(cd "$(dirname "$0")/.." && pwd)
PEER=${PEER:-$HERE/../shared/peer/torch_peer.py}
RUNS=${RUNS:-3}
SECS=${SECONDS_PER_RUN:-3}
ONLY=${ONLY:-"cnn-cifar cnn-mnist mlp-mnist"}
ROUNDS=${ROUNDS:-1}
MP="$BUILD/memprobe"
[ -x "$MP" ] || { echo "no $MP (build the memprobe target first)" >&2; exit 1; }
[ -f "$PEER" ] || { echo "no peer script at $PEER (set PEER=...)" >&2; exit 1; }
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(lscpu | sed -n 's/^Model name: *//p') load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $("$MP" --version 2>&1 | head -1)"
r=0
while [ "$r" -lt "$ROUNDS" ]; do
  r=$((r + 1))
  for t in $THREADS; do
    for w in $ONLY; do
      if [ $((r % 2)) -eq 1 ]; then
        m=$("$MP" --threads "$t" bench --only "$w" --runs "$RUNS" --seconds "$SECS" 2>/dev/null | grep '^workload=')
        p=$(/usr/bin/python3 "$PEER" --threads "$t" --only "$w" --runs "$RUNS" --seconds "$SECS" | grep '^workload=')
      else
        p=$(/usr/bin/python3 "$PEER" --threads "$t" --only "$w" --runs "$RUNS" --seconds "$SECS" | grep '^workload=')
        m=$("$MP" --threads "$t" bench --only "$w" --runs "$RUNS" --seconds "$SECS" 2>/dev/null | grep '^workload=')
      fi
      mt=$(field "$m" train_samples_per_s); mi=$(field "$m" infer_samples_per_s)
      pt=$(field "$p" train_samples_per_s); pi=$(field "$p" infer_samples_per_s)
      awk -v w="$w" -v t="$t" -v mt="$mt" -v pt="$pt" -v mi="$mi" -v pi="$pi" 'BEGIN {
        printf "workload=%s threads=%s train memprobe=%.1f torch=%.1f ratio=%.2f | infer memprobe=%.1f torch=%.1f ratio=%.2f\n",
               w, t, mt, pt, mt / pt, mi, pi, mi / pi }'
    done
  done
done
