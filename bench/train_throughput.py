#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Training throughput of Kiln against PyTorch CPU, side by side, in steps per second.

For each model (examples/mlp/mlp.mlir: 784-256-256-10 ReLU; examples/cnn/cnn.mlir:
conv3x3(32)-relu-maxpool2-conv3x3(64)-relu-maxpool2-linear(3136,128)-relu-linear(128,10)),
both Adam lr 1e-3 with softmax cross-entropy, batch 128:

- Kiln: the program is compiled once with build/bin/kiln-compile, then
  `build/bin/kiln-run LIB --train fashion-mnist --epochs E --quiet --threads N` trains it, and
  the step/s that kiln-run prints for each epoch is read back (the median over epochs). That
  rate covers every training step of the epoch, the first one included, and assembling each
  shuffled batch from the dataset; it excludes loading the data and the test evaluation.
- PyTorch: right after, in this process, the same model (torch.nn layers, same shapes and
  layout: NCHW images for the CNN), torch.optim.Adam(lr=1e-3) and the same batch size and
  intra-op thread count are timed on random batches of the same shapes (a small pool of
  batches, images in [0, 1), labels in [0, 10)): warm-up steps, then --torch-steps timed
  steps of zero_grad, forward, cross_entropy, backward and opt.step(). Adam(foreach=True) and
  Adam(fused=True) are timed separately (each from the same initial weights), whichever this
  torch has.

It prints one row per model with Kiln's rate, torch's rates and Kiln/torch for each torch
variant, and the 1-minute load average before and after (the rates mean little when someone
else was using the cores). Nothing is asserted on time: the script fails only when Kiln cannot
compile or train a model. Without torch, the torch columns say so and the script exits 0.

    scripts/setup.sh                    # builds kiln-compile and kiln-run
    python3 bench/train_throughput.py   # --threads 2, --models mlp,cnn
    python3 bench/train_throughput.py --models mlp --threads 1 --json out.json
"""
import argparse
import copy
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH = 128
LR = 1e-3
NO_TORCH = "skipped: torch not installed (pip install torch)"
IMPLS = ("foreach", "fused")
# "epoch 1: train loss 0.5464, test loss ..., 0.9 s, 529.2 step/s" (tools/kiln-run/Train.cpp)
EPOCH_LINE = re.compile(r"^epoch (\d+): .*, ([0-9.]+) s, ([0-9.]+) step/s$")


def mlp(nn):
    return nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(),
        nn.Linear(256, 256), nn.ReLU(),
        nn.Linear(256, 10))


def cnn(nn):
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(3136, 128), nn.ReLU(),
        nn.Linear(128, 10))


# name -> (Kiln program, torch model builder, shape of one batch of images)
MODELS = {
    "mlp": ("examples/mlp/mlp.mlir", mlp, (BATCH, 784)),
    "cnn": ("examples/cnn/cnn.mlir", cnn, (BATCH, 1, 28, 28)),
}


def load_average():
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def kiln_rate(args, name, workdir):
    """Kiln's training steps/s on `name` (median over the epochs kiln-run reports), or raises
    RuntimeError with the tool's own message."""
    program = os.path.join(ROOT, MODELS[name][0])
    library = os.path.join(workdir, name + ".so")
    compile_cmd = [os.path.join(args.build_dir, "bin", "kiln-compile"), program, "-o", library]
    done = subprocess.run(compile_cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(compile_cmd)} failed:\n{done.stderr.strip()}")
    run_cmd = [os.path.join(args.build_dir, "bin", "kiln-run"), library,
               "--train", args.data, "--epochs", str(args.epochs), "--quiet",
               "--threads", str(args.threads)]
    done = subprocess.run(run_cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(run_cmd)} failed:\n{done.stderr.strip()}")
    rates = [float(m.group(3)) for m in map(EPOCH_LINE.match, done.stdout.splitlines()) if m]
    if len(rates) != args.epochs:
        raise RuntimeError(f"expected {args.epochs} epoch lines from kiln-run, got:\n"
                           f"{done.stdout.strip()}")
    return statistics.median(rates)


def torch_rates(torch, args, name):
    """{impl: steps/s} for each Adam implementation this torch has on CPU."""
    _, build, image_shape = MODELS[name]
    torch.manual_seed(0)
    initial = build(torch.nn)
    pool = [(torch.rand(image_shape), torch.randint(0, 10, (BATCH,))) for _ in range(8)]
    rates = {}
    for impl in IMPLS:
        model = copy.deepcopy(initial)
        try:
            opt = torch.optim.Adam(model.parameters(), lr=LR, **{impl: True})
        except (RuntimeError, ValueError, TypeError):
            continue  # a torch without this implementation

        def step(i):
            x, y = pool[i % len(pool)]
            opt.zero_grad(set_to_none=True)
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()

        try:
            for i in range(args.torch_warmup):
                step(i)
        except RuntimeError:
            continue  # e.g. fused=True accepted but without a CPU kernel for this dtype
        start = time.perf_counter()
        for i in range(args.torch_steps):
            step(i)
        rates[impl] = args.torch_steps / (time.perf_counter() - start)
    return rates


def main():
    parser = argparse.ArgumentParser(
        description="Training steps/s of Kiln (kiln-run) and PyTorch CPU on the same models.")
    parser.add_argument("--threads", type=int, default=2,
                        help="threads for both: kiln-run --threads and torch.set_num_threads "
                             "(default 2)")
    parser.add_argument("--models", default="mlp,cnn",
                        help=f"comma-separated subset of {','.join(MODELS)} (default: all)")
    parser.add_argument("--torch-steps", type=int, default=60000 // BATCH,
                        help="timed torch steps per variant (default 468, one Fashion-MNIST "
                             "epoch, as many as Kiln's epoch)")
    parser.add_argument("--torch-warmup", type=int, default=20,
                        help="untimed torch steps before timing (default 20)")
    parser.add_argument("--epochs", type=int, default=1,
                        help="Kiln epochs; its rate is the median over them (default 1)")
    parser.add_argument("--data", default="fashion-mnist",
                        help="kiln-run --train dataset (default fashion-mnist)")
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"),
                        help="Kiln's build directory (default: build/ of this checkout)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args()
    models = [m for m in args.models.split(",") if m]
    unknown = [m for m in models if m not in MODELS]
    if unknown or not models:
        parser.error(f"--models: unknown {','.join(unknown) or '(none)'}; "
                     f"choose from {','.join(MODELS)}")
    if args.threads < 1 or args.torch_steps < 1 or args.torch_warmup < 0 or args.epochs < 1:
        parser.error("--threads, --torch-steps and --epochs must be positive, "
                     "--torch-warmup non-negative")
    for tool in ("kiln-compile", "kiln-run"):
        if not os.access(os.path.join(args.build_dir, "bin", tool), os.X_OK):
            sys.exit(f"train_throughput.py: {args.build_dir}/bin/{tool} not found; "
                     "build Kiln first (scripts/setup.sh)")

    try:
        import torch
        torch.set_num_threads(args.threads)
        torch_version = torch.__version__
    except ImportError:
        torch = None
        torch_version = None

    load_before = load_average()
    rows, failed = [], False
    with tempfile.TemporaryDirectory(prefix="kiln-train-bench-") as workdir:
        for name in models:
            row = {"model": name, "kiln_steps_per_s": None, "torch_steps_per_s": {},
                   "kiln_over_torch": {}}
            try:
                row["kiln_steps_per_s"] = kiln_rate(args, name, workdir)
            except RuntimeError as e:
                print(f"{name}: Kiln: {e}", file=sys.stderr)
                row["kiln_error"] = str(e)
                failed = True
            if torch is not None:
                row["torch_steps_per_s"] = torch_rates(torch, args, name)
                if row["kiln_steps_per_s"] is not None:
                    row["kiln_over_torch"] = {
                        impl: row["kiln_steps_per_s"] / rate
                        for impl, rate in row["torch_steps_per_s"].items()}
            rows.append(row)
    load_after = load_average()

    print(f"Training throughput, batch {BATCH}, Adam lr {LR:g}, {args.threads} threads; "
          f"Kiln: kiln-run --train {args.data}, median of {args.epochs} epoch(s); "
          + (f"torch {torch_version}: {args.torch_steps} steps on random batches"
             if torch else "torch: " + NO_TORCH))
    header = ["model", "Kiln step/s"]
    if torch:
        header += [f"torch {impl} step/s" for impl in IMPLS]
        header += [f"Kiln/{impl}" for impl in IMPLS]
    else:
        header += ["torch"]
    table = [header]
    for row in rows:
        kiln = row["kiln_steps_per_s"]
        cells = [row["model"], f"{kiln:.1f}" if kiln is not None else "failed"]
        if torch:
            cells += [f"{row['torch_steps_per_s'][i]:.1f}" if i in row["torch_steps_per_s"]
                      else "n/a" for i in IMPLS]
            cells += [f"{row['kiln_over_torch'][i]:.2f}x" if i in row["kiln_over_torch"]
                      else "n/a" for i in IMPLS]
        else:
            cells += [NO_TORCH]
        table.append(cells)
    widths = [max(len(r[c]) for r in table) for c in range(len(header))]
    for r in table:
        # Names and the torch-missing note flush left, numbers flush right.
        print("  ".join(cell.ljust(w) if c == 0 or not torch else cell.rjust(w)
                        for c, (cell, w) in enumerate(zip(r, widths))).rstrip())
    fmt_load = lambda v: "?" if v is None else f"{v:.2f}"
    print(f"1-minute load average {fmt_load(load_before)} before, {fmt_load(load_after)} after "
          f"(up to {args.threads} of it is this benchmark; more means others shared the cores)")

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"batch": BATCH, "threads": args.threads, "data": args.data,
                       "epochs": args.epochs, "torch_version": torch_version,
                       "torch_steps": args.torch_steps if torch else None,
                       "load_average_before": load_before, "load_average_after": load_after,
                       "rows": rows}, f, indent=2)
            f.write("\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
