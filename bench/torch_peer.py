#!/usr/bin/python3
"""PyTorch peer of `memprobe bench`: the same workloads, timed the same way, on the CPU.

memprobe's speed targets are ratios against this script, measured on the same machine in the
same minute (bench/compare_peer.sh does the pairing). Each workload is one of the study's
models at its training batch size, exactly as apps/cli/bench_workloads.h defines it:

    mlp-mnist  MLP 784-128-512-2048-2048-10 (ReLU) on 1x28x28, batch 32,  SGD(lr 1e-3, momentum 0.9)
    cnn-mnist  CNN (nn/models.h)               on 1x28x28, batch 128, Adam(lr 2e-4)
    cnn-cifar  CNN (nn/models.h)               on 3x32x32, batch 32,  Adam(lr 2e-4)

The CNN is conv3x3(16) conv3x3(16) maxpool2, conv3x3(32) conv3x3(32) maxpool2, conv3x3(64)
conv3x3(64) maxpool2 (padding 1, ReLU after every conv), then 250-250-250 fully connected (ReLU)
and a 10-way output layer without bias.

Measured quantities (samples per second):
  training   zero_grad + forward + cross-entropy + backward + optimizer step on one batch, cycling
             through 8 pre-drawn synthetic batches (inputs U[-1,1], labels uniform in 0..9);
  inference  forward of one batch of 1000 in eval mode under torch.no_grad().
Each is timed as 5 untimed warm-up calls, then --runs runs of --seconds each (calls counted
until the time is up); the median rate over the runs is printed. Every workload runs in a fresh
process whose environment is fixed before torch is loaded.

Output, one line per workload (in the order given to --only; by default sorted by name):
    workload=NAME threads=T train_samples_per_s=X infer_samples_per_s=Y torch=VERSION

Run with Debian's python and PyTorch (apt-get install -y python3-torch), from the repository root:
    /usr/bin/python3 bench/torch_peer.py                        # all workloads, 2 threads
    /usr/bin/python3 bench/torch_peer.py --threads 1 --only mlp-mnist --runs 3

The peer is run in the best configuration found for Debian's torch on this kind of machine:
OMP_WAIT_POLICY=PASSIVE (Debian's torch uses libgomp and the pthread OpenBLAS, whose spinning
idle threads otherwise fight over the cores: 4-5x on the MLP) and glibc malloc tunables that keep
large freed buffers instead of returning them to the kernel (activation buffers stop
page-faulting every step: 1.25-1.8x on the CNNs). Thread counts are set through OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS and torch.set_num_threads alike.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

# name -> (architecture, input shape C x H x W, training batch, optimizer)
WORKLOADS = {
    "mlp-mnist": ("mlp", (1, 28, 28), 32, "sgd"),
    "cnn-mnist": ("cnn", (1, 28, 28), 128, "adam"),
    "cnn-cifar": ("cnn", (3, 32, 32), 32, "adam"),
}
INFER_BATCH = 1000
WARMUP_CALLS = 5
SYNTHETIC_BATCHES = 8
CLASSES = 10

# glibc reads its tunables only when a process starts, hence the fresh process per workload.
PEER_ENV = {
    "OMP_WAIT_POLICY": "PASSIVE",
    "GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4294967296",
}


def make_mlp(nn, in_features):
    widths = [in_features, 128, 512, 2048, 2048]
    layers = [nn.Flatten()]
    for a, b in zip(widths, widths[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    layers.append(nn.Linear(widths[-1], CLASSES))
    return nn.Sequential(*layers)


def make_cnn(nn, channels, height, width):
    layers = []
    c_in = channels
    for c_out in (16, 32, 64):  # three blocks of two 3x3 convolutions, each block halving H and W
        for _ in range(2):
            layers += [nn.Conv2d(c_in, c_out, kernel_size=3, padding=1), nn.ReLU()]
            c_in = c_out
        layers.append(nn.MaxPool2d(2))
    layers.append(nn.Flatten())
    features = 64 * (height // 8) * (width // 8)
    for _ in range(3):
        layers += [nn.Linear(features, 250), nn.ReLU()]
        features = 250
    layers.append(nn.Linear(features, CLASSES, bias=False))
    return nn.Sequential(*layers)


def median_rate(call, samples_per_call, runs, seconds):
    """Median over `runs` timed runs of samples/s, after WARMUP_CALLS untimed calls."""
    for i in range(WARMUP_CALLS):
        call(i)
    rates = []
    for _ in range(runs):
        calls = 0
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            call(calls)
            calls += 1
        rates.append(calls * samples_per_call / (time.perf_counter() - start))
    return statistics.median(rates)


def measure(name, threads, runs, seconds):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    arch, shape, batch, optimizer = WORKLOADS[name]
    if arch == "mlp":
        model = make_mlp(torch.nn, shape[0] * shape[1] * shape[2])
    else:
        model = make_cnn(torch.nn, *shape)
    if optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=2e-4)
    criterion = torch.nn.CrossEntropyLoss()
    inputs = [torch.rand(batch, *shape) * 2 - 1 for _ in range(SYNTHETIC_BATCHES)]
    labels = [torch.randint(0, CLASSES, (batch,)) for _ in range(SYNTHETIC_BATCHES)]

    def train_step(i):
        k = i % SYNTHETIC_BATCHES
        opt.zero_grad(set_to_none=True)
        criterion(model(inputs[k]), labels[k]).backward()
        opt.step()

    model.train()
    train_rate = median_rate(train_step, batch, runs, seconds)

    model.eval()
    big = torch.rand(INFER_BATCH, *shape) * 2 - 1
    with torch.no_grad():
        infer_rate = median_rate(lambda i: model(big), INFER_BATCH, runs, seconds)

    print(f"workload={name} threads={threads} train_samples_per_s={train_rate:.1f} "
          f"infer_samples_per_s={infer_rate:.1f} torch={torch.__version__}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=2, help="threads (default 2)")
    parser.add_argument("--only", nargs="+", choices=sorted(WORKLOADS), default=sorted(WORKLOADS),
                        metavar="WORKLOAD",
                        help="workloads to run: " + ", ".join(sorted(WORKLOADS)))
    parser.add_argument("--runs", type=int, default=3, help="timed runs; the median is printed")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one timed run")
    parser.add_argument("--in-process", metavar="WORKLOAD", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.in_process:  # the fresh process started below
        measure(args.in_process, args.threads, args.runs, args.seconds)
        return

    env = dict(os.environ, **PEER_ENV)
    env["OMP_NUM_THREADS"] = env["OPENBLAS_NUM_THREADS"] = str(args.threads)
    for name in args.only:
        cmd = [sys.executable, os.path.abspath(__file__), "--in-process", name,
               "--threads", str(args.threads), "--runs", str(args.runs),
               "--seconds", str(args.seconds)]
        subprocess.run(cmd, env=env, check=True)


if __name__ == "__main__":
    main()
