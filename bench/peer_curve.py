#!/usr/bin/python3
"""The reference recipe re-typed in PyTorch, on memprobe's own data files and corrupted labels.

memprobe's training curves are checked against this twin: the same MNIST IDX files (or CIFAR-10
binary batches), the same corrupted labels (read from a memprobe run's labels.csv, so both
programs train on identical targets), the same model, initialisation law, optimizer, batch size
and fixed data order as the reference (docs/method.md section 5), and the same stop rule (the
running accuracy over the epoch's mini-batches, counted before each step, reaching 100 %). It
prints one line per epoch in the form `memprobe train` does, so the two curves lie side by side:

    epoch 1  loss 0.4931  running 85.94  test 93.10

Needs Debian's PyTorch (apt-get install -y python3-torch). Not part of the test suite.

    memprobe train --dataset mnist --model mlp --corrupt 0.8 --max-epochs 10 --out runs/p08
    /usr/bin/python3 bench/peer_curve.py --run runs/p08 --epochs 10

The initial weights differ from memprobe's (each program draws its own, by the same uniform
law), so the curves agree in shape and level, not digit for digit.
"""
import argparse
import csv
import gzip
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(folder, name):
    for candidate in (name, name + ".gz"):
        p = os.path.join(folder, candidate)
        if os.path.exists(p):
            return p
    sys.exit(f"peer_curve: {name} not found in {folder} (memprobe data fetch)")


def load_mnist_like(folder):
    x_tr = read_idx(find(folder, "train-images-idx3-ubyte"))[:, None]
    x_te = read_idx(find(folder, "t10k-images-idx3-ubyte"))[:, None]
    y_te = read_idx(find(folder, "t10k-labels-idx1-ubyte")).astype(np.int64)
    return x_tr, x_te, y_te


def load_cifar10(folder):
    binary = os.path.join(folder, "cifar-10-batches-bin")
    if not os.path.isdir(binary):
        sys.exit(f"peer_curve: {binary} missing (memprobe data convert cifar10 --to binary)")

    def batch(name):
        raw = np.fromfile(os.path.join(binary, name), dtype=np.uint8).reshape(-1, 3073)
        return raw[:, 1:].reshape(-1, 3, 32, 32), raw[:, 0].astype(np.int64)

    parts = [batch(f"data_batch_{i}.bin") for i in range(1, 6)]
    x_te, y_te = batch("test_batch.bin")
    return np.concatenate([p[0] for p in parts]), x_te, y_te


class MLP(nn.Module):
    def __init__(self, d_in, k=10):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(d_in, 128), nn.Linear(128, 512)
        self.fc3, self.fc4 = nn.Linear(512, 2048), nn.Linear(2048, 2048)
        self.output = nn.Linear(2048, k)

    def forward(self, x):
        x = torch.flatten(x, 1)
        for fc in (self.fc1, self.fc2, self.fc3, self.fc4):
            x = F.relu(fc(x))
        return self.output(x)


class CNN(nn.Module):
    def __init__(self, channels, side, k=10):
        super().__init__()
        widths = [(channels, 16), (16, 16), (16, 32), (32, 32), (32, 64), (64, 64)]
        self.convs = nn.ModuleList(nn.Conv2d(a, b, 3, padding=1) for a, b in widths)
        flat = 64 * (side // 8) ** 2
        self.fcs = nn.ModuleList([nn.Linear(flat, 250), nn.Linear(250, 250), nn.Linear(250, 250)])
        self.out = nn.Linear(250, k, bias=False)

    def forward(self, x):
        for i, conv in enumerate(self.convs):
            x = F.relu(conv(x))
            if i % 2 == 1:
                x = F.max_pool2d(x, 2)
        x = torch.flatten(x, 1)
        for fc in self.fcs:
            x = F.relu(fc(x))
        return self.out(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run", required=True, help="a memprobe run directory (its labels.csv and "
                    "manifest.json say which data, level and model)")
    ap.add_argument("--data-dir", default=os.environ.get(
        "MEMPROBE_DATA", os.path.expanduser("~/.cache/memprobe/datasets")))
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42, help="torch.manual_seed for the init")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    import json
    with open(os.path.join(a.run, "manifest.json")) as f:
        cfg = json.load(f)["config"]
    dataset, model_name = cfg["dataset"], cfg["model"]
    folder = os.path.join(a.data_dir, dataset)
    if dataset == "cifar10":
        x_tr, x_te, y_te = load_cifar10(folder)
    else:
        x_tr, x_te, y_te = load_mnist_like(folder)
    with open(os.path.join(a.run, "labels.csv")) as f:
        rows = list(csv.DictReader(f))
    index = np.array([int(r["index"]) for r in rows])
    y_tr = np.array([int(r["corrupted_label"]) for r in rows], dtype=np.int64)
    x_tr = x_tr[index]
    if cfg.get("test_subset", 0):
        x_te, y_te = x_te[:cfg["test_subset"]], y_te[:cfg["test_subset"]]

    def norm(x):  # (v / 255 - 0.5) / 0.5 per channel, as the reference's transforms
        return torch.from_numpy((x.astype(np.float32) / 255.0 - 0.5) / 0.5)

    xt, yt, xe, ye = norm(x_tr), torch.from_numpy(y_tr), norm(x_te), torch.from_numpy(y_te)
    c, side = xt.shape[1], xt.shape[2]
    model = MLP(c * side * side) if model_name == "mlp" else CNN(c, side)
    if cfg["optimizer"] == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=cfg["momentum"])
    else:
        opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    bs = cfg["batch_size"]
    print(f"peer_curve: {dataset} / {model_name}, p = {cfg['corrupt']}, {len(yt)} training "
          f"images, {cfg['optimizer']} lr {cfg['lr']}, batch {bs}, fixed order", flush=True)
    for epoch in range(1, a.epochs + 1):
        model.train()
        loss_sum, correct = 0.0, 0
        for s in range(0, len(yt), bs):
            xb, yb = xt[s:s + bs], yt[s:s + bs]
            opt.zero_grad()
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            loss.backward()
            correct += int((out.argmax(1) == yb).sum())  # counted before the step
            loss_sum += float(loss) * len(yb)
            opt.step()
        model.eval()
        with torch.no_grad():
            hits = sum(int((model(xe[s:s + 1000]).argmax(1) == ye[s:s + 1000]).sum())
                       for s in range(0, len(ye), 1000))
        running = 100.0 * correct / len(yt)
        print(f"epoch {epoch}  loss {loss_sum / len(yt):.4f}  running {running:.2f}  "
              f"test {100.0 * hits / len(ye):.2f}", flush=True)
        if correct == len(yt):
            print(f"stopped at epoch {epoch}: running accuracy 100 %")
            break


if __name__ == "__main__":
    main()
