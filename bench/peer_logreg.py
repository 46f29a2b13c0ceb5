#!/usr/bin/env python3
"""The logistic-regression baseline probe of docs/method.md §10, re-typed in PyTorch, for checking
memprobe's `logreg` numbers on the same activations and labels (optional: needs Debian's
python3-torch and numpy; not part of the test suite).

Recipe (as docs/method.md §10 states it): nn.Linear(d, K), cross-entropy, Adam lr 1e-3, 20 epochs,
batch 128, rows reshuffled every epoch, trained on the corrupted training labels, test accuracy on
the true test labels after the last epoch. One line per seed, then the mean and spread, so the
seed-to-seed spread of this stochastic probe can be set beside a difference from a published
3-run mean.

  memprobe activations --run RUN --layer fc1 --split train --out fc1_train.npy
  memprobe activations --run RUN --layer fc1 --split test  --out fc1_test.npy
  /usr/bin/python3 bench/peer_logreg.py --train fc1_train.npy --train-labels RUN/labels.csv \\
      --test fc1_test.npy --test-labels t10k-labels-idx1-ubyte --seeds 1,2,3

--train-labels: a run's labels.csv (its corrupted_label column) or an integer .npy;
--test-labels: an MNIST-style idx1 label file or an integer .npy.
"""
import argparse
import csv
import statistics
import struct
import sys

import numpy as np


def load_labels(path):
    if path.endswith(".npy"):
        return np.load(path).astype(np.int64)
    if path.endswith(".csv"):
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
        if not rows or "corrupted_label" not in rows[0]:
            sys.exit(f"peer_logreg: {path}: no corrupted_label column")
        return np.array([int(r["corrupted_label"]) for r in rows], dtype=np.int64)
    with open(path, "rb") as f:
        magic, n = struct.unpack(">II", f.read(8))
        if magic != 2049:
            sys.exit(f"peer_logreg: {path}: not an idx1 label file (magic {magic})")
        return np.frombuffer(f.read(n), dtype=np.uint8).astype(np.int64)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--train", required=True, help="training activations .npy (N x d)")
    ap.add_argument("--train-labels", required=True)
    ap.add_argument("--test", required=True, help="test activations .npy (M x d)")
    ap.add_argument("--test-labels", required=True)
    ap.add_argument("--seeds", default="1,2,3", help="comma list of torch seeds")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    import torch

    torch.set_num_threads(a.threads)
    X = torch.from_numpy(np.load(a.train).astype(np.float32))
    T = torch.from_numpy(np.load(a.test).astype(np.float32))
    y = torch.from_numpy(load_labels(a.train_labels))
    t = torch.from_numpy(load_labels(a.test_labels))
    if len(y) != len(X) or len(t) != len(T):
        sys.exit(f"peer_logreg: {len(X)} train rows / {len(y)} labels, {len(T)} test rows / {len(t)} labels")
    K = int(max(y.max(), t.max())) + 1
    accs = []
    for seed in [int(s) for s in a.seeds.split(",")]:
        torch.manual_seed(seed)
        model = torch.nn.Linear(X.shape[1], K)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = torch.nn.CrossEntropyLoss()
        for _ in range(20):
            perm = torch.randperm(len(X))
            for i in range(0, len(X), 128):
                idx = perm[i:i + 128]
                opt.zero_grad()
                loss_fn(model(X[idx]), y[idx]).backward()
                opt.step()
        with torch.no_grad():
            acc = 100.0 * (model(T).argmax(1) == t).double().mean().item()
        accs.append(acc)
        print(f"seed {seed}: test {acc:.2f}", flush=True)
    sd = statistics.stdev(accs) if len(accs) > 1 else 0.0
    print(f"mean {statistics.mean(accs):.2f} sd {sd:.2f} min {min(accs):.2f} max {max(accs):.2f} "
          f"over {len(accs)} seeds")


if __name__ == "__main__":
    main()
