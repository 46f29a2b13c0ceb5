#!/usr/bin/env python3
"""The PyTorch example of docs/probe-any-network.md, end to end, with a check.

Trains a small MLP on synthetic clusters with 40 % of the training labels randomised (so it
memorises), exports the input of its last Linear layer with a forward hook, runs
`memprobe probe-arrays` on those activations, writes the linear probe memprobe saved into the
last layer (weight = W, bias = 0: the weight edit) and checks that the edited PyTorch model
predicts what memprobe reported for the linear probe: identically, except on rows whose top two
scores are within float32 rounding of each other (PyTorch computes the logits in float32,
memprobe in double), whose count is printed.

    /usr/bin/python3 bench/probe_any_network.py --memprobe build/memprobe [--work DIR]

Needs numpy and torch (Debian: apt-get install python3-torch). Exit status 0 when the check
holds. No safetensors package is needed: load_safetensors below is the page's numpy reader.
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
import torch


def load_safetensors(path):
    """{name: numpy array} of a .safetensors file: 8-byte little-endian header length, a JSON
    header {name: {dtype, shape, data_offsets}}, then the raw little-endian data.
    (With the safetensors package: safetensors.torch.load_file(path).)"""
    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header, data = json.loads(f.read(n)), bytearray(f.read())
    dtypes = {"F64": "<f8", "F32": "<f4", "I64": "<i8", "I32": "<i4"}
    return {name: np.frombuffer(data[t["data_offsets"][0]:t["data_offsets"][1]],
                                dtypes[t["dtype"]]).reshape(t["shape"])
            for name, t in header.items() if name != "__metadata__"}


def make_data(n, k, dim, gen):
    """k Gaussian clusters in `dim` dimensions, one centre per class."""
    centres = torch.randn(k, dim, generator=gen) * 1.5
    y = torch.randint(0, k, (n,), generator=gen)
    return centres[y] + torch.randn(n, dim, generator=gen), y


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--memprobe", default="memprobe", help="the memprobe binary")
    ap.add_argument("--work", help="directory for the files (default: a temporary one)")
    ap.add_argument("--n-train", type=int, default=2000)
    ap.add_argument("--n-test", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=300)
    args = ap.parse_args()
    work = pathlib.Path(args.work or tempfile.mkdtemp(prefix="probe_any_network_"))
    work.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    k, dim = 10, 20
    x_all, y_all = make_data(args.n_train + args.n_test, k, dim, gen)
    x_train, x_test = x_all[:args.n_train], x_all[args.n_train:]
    y_true, y_test = y_all[:args.n_train], y_all[args.n_train:]
    y_train = y_true.clone()  # the labels the model is trained on: 40 % randomised
    flip = torch.rand(args.n_train, generator=gen) < 0.4
    y_train[flip] = torch.randint(0, k, (int(flip.sum()),), generator=gen)

    model = torch.nn.Sequential(torch.nn.Linear(dim, 512), torch.nn.ReLU(),
                                torch.nn.Linear(512, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, k))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(args.epochs):  # full batch: long enough to memorise much of the noise
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x_train), y_train).backward()
        opt.step()
    with torch.no_grad():
        model_train = (model(x_train).argmax(1) == y_train).float().mean().item()
        model_test = (model(x_test).argmax(1) == y_test).float().mean().item()

    # --- the page's example: export a layer with a forward hook, probe, edit ---
    acts = []
    hook = model[3].register_forward_hook(lambda m, i, o: acts.append(o.detach().flatten(1)))
    with torch.no_grad():
        model(x_train), model(x_test)
    hook.remove()
    np.save(work / "train.npy", acts[0].numpy())
    np.save(work / "test.npy", acts[1].numpy())
    np.save(work / "train_labels.npy", y_train.numpy())
    np.save(work / "train_true_labels.npy", y_true.numpy())
    np.save(work / "test_labels.npy", y_test.numpy())
    subprocess.run([args.memprobe, "probe-arrays", "--train", work / "train.npy",
                    "--test", work / "test.npy", "--train-labels", work / "train_labels.npy",
                    "--train-true-labels", work / "train_true_labels.npy",
                    "--test-labels", work / "test_labels.npy", "--layer", "relu2",
                    "--out", work / "probes.csv", "--json", work / "probes.json",
                    "--save-probe", work / "probe.safetensors",
                    "--predictions", work / "pred"], check=True)
    W = load_safetensors(work / "probe.safetensors")["linear.weight"]  # K x d, float64
    with torch.no_grad():
        model[4].weight.copy_(torch.from_numpy(W))  # rounded to the layer's float32
        model[4].bias.zero_()
        edited = model(x_test).argmax(1).numpy()

    # --- the check ---
    reported = np.load(work / "pred" / "linear_corrupted_test.npy")
    H = acts[1].numpy().astype(np.float64)
    scores = H @ W.T  # memprobe's linear-probe scores (double)
    top2 = np.sort(scores, axis=1)[:, -2:]
    # float32 error of one logit: W rounded to float32 and a length-d float32 dot product,
    # |error| <= (d + 1) * 2^-24 * sum_j |w_j x_j| (Higham's bound); two logits may both err.
    d = H.shape[1]
    bound = (d + 1) * 2.0**-24 * (np.abs(H) @ np.abs(W).T).max(axis=1)
    near_tie = top2[:, 1] - top2[:, 0] <= 2 * bound
    differ = edited != reported
    results = json.loads((work / "probes.json").read_text())["results"]
    acc = {r["probe"] + ("_true" if r["subspace"] == "true" else ""): r["test_acc"]
           for r in results}
    print(f"model: train acc (its own noisy labels) {model_train:.3f}, test acc {model_test:.3f}")
    print("memprobe probes on relu2, test acc: " +
          ", ".join(f"{p} {a:.3f}" for p, a in acc.items()))
    print(f"edited model test acc {(edited == y_test.numpy()).mean():.3f}")
    print(f"rows whose top two linear-probe scores are within float32 rounding: "
          f"{int(near_tie.sum())} of {len(reported)}")
    if (differ & ~near_tie).any():
        i = int(np.argmax(differ & ~near_tie))
        print(f"FAIL: edited model and linear probe differ on {int(differ.sum())} test rows, "
              f"row {i} not a near tie (scores {top2[i]})")
        return 1
    n_differ = int(differ.sum())
    print(f"edited model == linear probe on all {len(reported)} test rows " +
          (f"except {n_differ} near ties" if n_differ else "(no row differs)"))
    print(f"files in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
