#!/usr/bin/env bash
# Trains the runs behind the full-size result bundle committed in results/paper/:
# MNIST-MLP at all six corruption levels, then CIFAR-10-CNN at p = 0.8 and p = 0, all at the
# paper's settings (presets mnist-mlp and cifar-cnn, seed 42, label seed 42). Training only:
# days of CPU on a 2-core machine, so it is resumable - run the same command again after an
# interruption and every finished run is reused, an unfinished one continues from its newest
# checkpoint. The analysis (probes, transfer, dynamics, report) follows with
# `scripts/paper_runs.sh analyse`, which may run while later levels still train, and
# `scripts/paper_runs.sh bundle` copies every analysed run's result files (no checkpoints, no
# labels: the manifest holds their sha256) into results/paper/runs/ and writes the bundle's
# summary and report from those files alone. `scripts/paper_runs.sh status` says where each run
# stands and what to run next (read-only, safe while a stage runs).
#
#   bash scripts/paper_runs.sh [train|analyse|bundle|status]
#                                                  RUNS=<dir> (default ~/memprobe-paper-runs)
#                                                  MEMPROBE=<binary> (default ./build/memprobe)
#                                                  THREADS=<n> (default 2)
#                                                  MLP_LEVELS=<list> (default 0,0.8,0.4,0.2,0.6,1.0)
#                                                  CNN_LEVELS=<list> (default 0.8,0; "" = none)
# Two instances with disjoint level lists and THREADS=1 (each pinned to a core with
# `taskset -c 0` / `taskset -c 1`) use a 2-core machine a little better than one with THREADS=2,
# and keep both kinds of run moving: measured here (2026-12-07), CIFAR-10-CNN at 1 thread beside
# MNIST-MLP at 1 thread trained 2,000 and 2,700 samples/s, against 3,400 and 5,700 each alone at
# 2 threads - 1.06 machines' worth of work against 1. Never give one instance 2 threads beside
# another: OpenMP barriers on an oversubscribed machine cost several times over. Each run records
# its thread count, and a resume should keep it (else it is no longer bit-identical).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-$HOME/memprobe-paper-runs}
mp=${MEMPROBE:-./build/memprobe}
threads=${THREADS:-2}
mlp_levels=${MLP_LEVELS-0,0.8,0.4,0.2,0.6,1.0}
cnn_levels=${CNN_LEVELS-0.8,0}
stage=${1:-train}
mkdir -p "$runs"
case "$stage" in
  train)
    # p = 0 first (about 60 epochs), then the levels whose numbers matter most to the study.
    if [ -n "$mlp_levels" ]; then
      "$mp" --threads "$threads" reproduce --preset mnist-mlp --out "$runs/mnist-mlp" \
        --levels "$mlp_levels" --train-only
    fi
    if [ -n "$cnn_levels" ]; then
      "$mp" data fetch cifar10
      "$mp" --threads "$threads" reproduce --preset cifar-cnn --out "$runs/cifar-cnn" \
        --levels "$cnn_levels" --train-only
    fi
    ;;
  analyse)
    [ -z "$mlp_levels" ] ||
      "$mp" --threads "$threads" reproduce --preset mnist-mlp --out "$runs/mnist-mlp" \
        --levels "$mlp_levels"
    [ -z "$cnn_levels" ] ||
      "$mp" --threads "$threads" reproduce --preset cifar-cnn --out "$runs/cifar-cnn" \
        --levels "$cnn_levels"
    ;;
  bundle)
    # The README's full-size table is the bundle's summary.md (refreshed by the script).
    bash scripts/bundle-results.sh "$runs" results/paper "$mp"
    ;;
  status)
    "$mp" status "$runs"
    ;;
  *)
    echo "usage: bash scripts/paper_runs.sh [train|analyse|bundle|status]" >&2
    exit 2
    ;;
esac
