#!/usr/bin/python3
"""numpy peer of memprobe's probe benchmark: MASC and the linear probe fitted the reference way.

What is timed is the reference implementation's way of doing it, in float64 numpy:
  MASC fit      per class c: stack the class's activations X_c with -X_c (so the covariance is
                centred at the origin), np.cov of that 2N_c x d matrix, np.linalg.eigh of the
                d x d result, eigenvalues sorted descending, and keep the smallest k_c whose
                explained-variance ratio reaches --tau (k_c = #{cumulative ratio <= tau} + 1);
  MASC scoring  each test row's angle (degrees) to every class subspace, arccos(|P_c x| / |x|);
                the prediction is the class of the smallest angle;
  linear fit    per class, the top eigenvector of X_cᵀX_c, its sign chosen so that its mean
                projection over all training rows is non-negative.
Times are wall seconds (time.perf_counter) of one call each; data generation is not timed.

Data: synthetic ReLU-like activations from np.random.default_rng(0): per class 16 Gaussian
basis rows of length d, each row x = zᵀB_y + 0.5·noise (z, noise standard normal), clipped at 0,
stored as float32; labels uniform in 0..classes-1. The training set is drawn first, then the
test set from the same generator (which draws a fresh basis for it). scripts/probe_peer_compare.sh
imports synthetic(), masc_fit(), masc_predict() and linear_fit() from this file to build the same
data and predictions and check that bench_probes computes identical ones.

Needs Debian's numpy (apt-get install -y python3-numpy); run with /usr/bin/python3. With the
default sizes it needs a few GB of memory and takes tens of seconds.
    /usr/bin/python3 bench/masc_numpy_peer.py --n-train 60000 --n-test 10000 --dim 2048

Prints one line:
    workload=masc-N-d fit_s=... score_s=... linear_fit_s=... components=[k_0 ... k_9] numpy=VERSION
"""
import argparse
import time

import numpy as np

BASIS_RANK = 16  # rows of each class's basis
ROW_BLOCK = 2048  # rows generated at a time (keeps the n x 16 x d temporary small)


def synthetic(n, d, classes, rng):
    """(x float32 n x d, y labels) from rng: draws basis, labels, coefficients, noise in turn."""
    basis = rng.standard_normal((classes, BASIS_RANK, d))
    y = rng.integers(0, classes, n)
    z = rng.standard_normal((n, BASIS_RANK))
    noise = rng.standard_normal((n, d))
    x = np.empty((n, d), dtype=np.float32)
    for lo in range(0, n, ROW_BLOCK):
        hi = min(n, lo + ROW_BLOCK)
        signal = np.einsum("nk,nkd->nd", z[lo:hi], basis[y[lo:hi]])
        x[lo:hi] = np.maximum(signal + 0.5 * noise[lo:hi], 0)
    return x, y


def _kept_components(eigenvalues_desc, tau):
    explained = np.cumsum(eigenvalues_desc / eigenvalues_desc.sum())
    return int(np.count_nonzero(explained <= tau)) + 1


def masc_fit(x, y, classes, tau):
    """One k_c x d matrix of orthonormal rows (the kept principal directions) per class."""
    subspaces = []
    for c in range(classes):
        members = x[y == c].astype(np.float64)
        symmetric = np.concatenate([members, -members])  # zero mean: covariance about the origin
        values, vectors = np.linalg.eigh(np.cov(symmetric, rowvar=False))
        descending = np.argsort(values)[::-1]
        values, vectors = values[descending], vectors[:, descending]
        k = _kept_components(values, tau)
        subspaces.append(np.ascontiguousarray(vectors[:, :k].T))
    return subspaces


def masc_predict(subspaces, x):
    """Class of the smallest angle between each row of x and the class subspaces."""
    rows = x.astype(np.float64)
    lengths = np.maximum(np.linalg.norm(rows, axis=1), 1e-300)
    angles = np.empty((len(subspaces), rows.shape[0]))
    for c, basis in enumerate(subspaces):
        cosine = np.linalg.norm(rows @ basis.T, axis=1) / lengths
        angles[c] = np.degrees(np.arccos(np.clip(cosine, -1, 1)))
    return np.argmin(angles, axis=0)


def linear_fit(x, y, classes):
    """classes x d weights: each class's top eigenvector of X_cᵀX_c, sign-fixed on all rows."""
    rows = x.astype(np.float64)
    weights = np.empty((classes, rows.shape[1]))
    for c in range(classes):
        members = rows[y == c]
        top = np.linalg.eigh(members.T @ members)[1][:, -1]
        weights[c] = -top if (rows @ top).mean() < 0 else top
    return weights


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n-train", type=int, default=60000, help="training rows")
    parser.add_argument("--n-test", type=int, default=10000, help="test rows")
    parser.add_argument("--dim", type=int, default=2048, help="activation width d")
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--tau", type=float, default=0.99, help="explained-variance threshold")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    x_train, y_train = synthetic(args.n_train, args.dim, args.classes, rng)
    x_test, _ = synthetic(args.n_test, args.dim, args.classes, rng)

    t_start = time.perf_counter()
    subspaces = masc_fit(x_train, y_train, args.classes, args.tau)
    t_fit = time.perf_counter()
    masc_predict(subspaces, x_test)
    t_score = time.perf_counter()
    linear_fit(x_train, y_train, args.classes)
    t_linear = time.perf_counter()

    ks = " ".join(str(s.shape[0]) for s in subspaces)
    print(f"workload=masc-{args.n_train}-{args.dim} fit_s={t_fit - t_start:.2f} "
          f"score_s={t_score - t_fit:.2f} linear_fit_s={t_linear - t_score:.2f} "
          f"components=[{ks}] numpy={np.__version__}", flush=True)


if __name__ == "__main__":
    main()
