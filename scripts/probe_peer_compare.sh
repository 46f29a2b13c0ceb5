#!/bin/sh
# Identical-predictions check and speed comparison of memprobe's probes against the numpy peer
# (bench/masc_numpy_peer.py) on the peer's OWN synthetic data: a python snippet builds the data
# exactly as the peer's main() does (default_rng(0)), dumps it to .npy, times the peer's masc_fit /
# masc_predict / linear_fit and saves its predictions; then bench_probes loads the same arrays,
# fits and predicts, and reports identical_predictions_{masc,linear} and identical_components.
#
#   scripts/probe_peer_compare.sh [--n-train N] [--n-test M] [--dim D] [--threads T]
#                                 [--bench build/bench_probes] [--out DIR] [--peer PATH]
# Needs /usr/bin/python3 with numpy (Debian's python3-numpy). Run on an otherwise idle machine:
# the two programs are timed back to back, and the ratio is what to report. --threads T sets
# OMP_NUM_THREADS for the peer's numpy/OpenBLAS and --threads for bench_probes alike.
set -eu
N_TRAIN=60000; N_TEST=10000; DIM=2048; THREADS=0
BENCH=build/bench_probes; OUT=/tmp/memprobe_peer_compare
PEER=$(cd "$(dirname "$0")/.." && pwd)/bench/masc_numpy_peer.py
while [ $# -gt 0 ]; do
  case "$1" in
    --n-train) N_TRAIN=$2; shift 2 ;;
    --n-test) N_TEST=$2; shift 2 ;;
    --dim) DIM=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --bench) BENCH=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --peer) PEER=$2; shift 2 ;;
    *) echo "probe_peer_compare.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -x "$BENCH" ] || { echo "probe_peer_compare.sh: $BENCH not built (cmake --build <dir> --target bench_probes)" >&2; exit 2; }
mkdir -p "$OUT"

if [ "$THREADS" -gt 0 ]; then export OMP_NUM_THREADS="$THREADS"; fi
/usr/bin/python3 - "$PEER" "$OUT" "$N_TRAIN" "$N_TEST" "$DIM" <<'PY'
import importlib.util, sys, time
import numpy as np
peer_path, out, n_train, n_test, dim = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:6])
spec = importlib.util.spec_from_file_location("peer", peer_path)
peer = importlib.util.module_from_spec(spec); spec.loader.exec_module(peer)
classes, tau = 10, 0.99
rng = np.random.default_rng(0)                       # exactly the peer's main()
xtr, ytr = peer.synthetic(n_train, dim, classes, rng)
xte, _ = peer.synthetic(n_test, dim, classes, rng)
np.save(f"{out}/train.npy", xtr); np.save(f"{out}/labels.npy", ytr); np.save(f"{out}/test.npy", xte)
c0 = time.process_time()
t0 = time.perf_counter(); subs = peer.masc_fit(xtr, ytr, classes, tau)
t1 = time.perf_counter(); pm = peer.masc_predict(subs, xte)
t2 = time.perf_counter(); W = peer.linear_fit(xtr, ytr, classes)
t3 = time.perf_counter()
cpu = time.process_time() - c0
pl = np.argmax(xte.astype(np.float64) @ W.T, axis=1)
np.save(f"{out}/pred_masc.npy", pm); np.save(f"{out}/pred_linear.npy", pl)
np.save(f"{out}/components.npy", np.array([s.shape[0] for s in subs]))
ks = " ".join(str(s.shape[0]) for s in subs)
print(f"peer: workload=masc-{n_train}-{dim} fit_s={t1 - t0:.2f} score_s={t2 - t1:.2f} "
      f"linear_fit_s={t3 - t2:.2f} total_s={t3 - t0:.2f} total_cpu_s={cpu:.2f} components=[{ks}] "
      f"numpy={np.__version__}",
      flush=True)
PY

set -- --from-npy "$OUT/train.npy" "$OUT/labels.npy" "$OUT/test.npy" \
  --peer-masc "$OUT/pred_masc.npy" --peer-linear "$OUT/pred_linear.npy" --peer-k "$OUT/components.npy"
if [ "$THREADS" -gt 0 ]; then set -- "$@" --threads "$THREADS"; fi
printf 'memprobe: '
"$BENCH" "$@"
