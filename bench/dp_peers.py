#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""What differential privacy costs a training step, in Kiln and in Opacus, side by side.

Two models (--models, default both), each on physical batches of --batch examples (default
320) and --threads threads:

- mlp: examples/mlp's 784-256-256-10 ReLU MLP with SGD (examples/privacy/mlp-dp-sgd.mlir);
- cnn: the Tramer-Boneh CNN of examples/privacy/cnn-dp-sgd.mlir (two strided tanh
  convolutions, 26,010 parameters) with SGD and momentum 0.9 at lr 0.05 (see OPTIMIZERS).

For each:

- Kiln private: the example program (per-example clipping, noise, the update) compiled for
  --batch with expected lots of 0.8 * batch, trained by
  `kiln-run --train fashion-mnist --epochs E`; the step/s kiln-run prints per epoch (median)
  counts lots, each one call of the physical batch (a lot larger than the batch, which adds a
  call, has probability below 1e-4 here).
- Kiln non-private: the same program without `privacy` (a plain SGD step of the batch).
- Opacus / torch: the same model in torch.nn, the same optimizer, batch size and intra-op
  threads, timed on random batches after warm-up: torch alone; Opacus' GradSampleModule with
  its DPOptimizer (noise multiplier 1) for the private step ("opacus_hooks": per-sample
  gradients materialized by hooks); and Opacus' ghost clipping ("opacus_ghost":
  make_private(grad_sample_mode="ghost"), per-sample norms without per-sample gradients and
  a second backward pass, its fastest mode).

It prints each rate, private/non-private for both, and Kiln's private rate over Opacus'.
Nothing is asserted on time; without torch or Opacus their columns say so.

    scripts/setup.sh && python3 bench/dp_peers.py            # needs pip's torch and opacus
    python3 bench/dp_peers.py --threads 1 --epochs 2 --json out.json
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EPOCH_LINE = re.compile(r"^epoch (\d+): .*, ([0-9.]+) s, ([0-9.]+) step/s$")


def kiln_rate(args, program_text, workdir, name):
    path = os.path.join(workdir, name + ".mlir")
    with open(path, "w") as f:
        f.write(program_text)
    cmd = [os.path.join(args.build_dir, "bin", "kiln-run"), path, "--train", args.data,
           "--epochs", str(args.epochs), "--quiet", "--threads", str(args.threads)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr.strip()}")
    rates = [float(m.group(3)) for m in map(EPOCH_LINE.match, done.stdout.splitlines()) if m]
    if len(rates) != args.epochs:
        raise RuntimeError(f"expected {args.epochs} epoch lines, got:\n{done.stdout}")
    return statistics.median(rates)


# The optimizer part of each model's kiln.train_step, and the clip norm of its example. The
# CNN's learning rate is not its private example's 4.0: without clipping that diverges, and
# a diverged tanh network runs faster (saturated tanh skips its exponential, max pooling
# sees ties), which would flatter every non-private rate.
OPTIMIZERS = {"mlp": ('optimizer = "sgd", lr = 0.5 : f64', 1.0, 0.5),
              "cnn": ('optimizer = "momentum", lr = 0.05 : f64, options = {momentum = 0.9 : f64}',
                      0.1, 0.05)}


def programs(model, batch):
    with open(os.path.join(ROOT, f"examples/privacy/{model}-dp-sgd.mlir")) as f:
        text = f.read()
    head = text[:text.index("kiln.train_step @")]
    lot = int(round(0.8 * batch))
    optimizer, clip, _ = OPTIMIZERS[model]
    private = head + (f'kiln.train_step @train_step(@loss) {{{optimizer}, '
                      f'forward = @forward, privacy = "dp_sgd", max_grad_norm = {clip} : f64, '
                      f'expected_batch_size = {lot}, batch = {batch}}}\n')
    plain = head + (f'kiln.train_step @train_step(@loss) {{{optimizer}, '
                    f'forward = @forward, batch = {batch}}}\n')
    return private, plain


def torch_rates(args, model_name):
    try:
        import torch
    except ImportError:
        return {"torch": "skipped: torch not installed"}
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    nn = torch.nn
    _, clip, lr = OPTIMIZERS[model_name]

    def model():
        if model_name == "mlp":
            return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                                 nn.Linear(256, 10))
        return nn.Sequential(nn.Conv2d(1, 16, 8, stride=2, padding=2), nn.Tanh(),
                             nn.MaxPool2d(2, 1), nn.Conv2d(16, 32, 4, stride=2), nn.Tanh(),
                             nn.MaxPool2d(2, 1), nn.Flatten(), nn.Linear(512, 32), nn.Tanh(),
                             nn.Linear(32, 10))

    def optimizer(params):
        if model_name == "mlp":
            return torch.optim.SGD(params, lr=lr)
        return torch.optim.SGD(params, lr=lr, momentum=0.9)

    shape = (args.batch, 784) if model_name == "mlp" else (args.batch, 1, 28, 28)
    pool = [(torch.rand(*shape), torch.randint(0, 10, (args.batch,))) for _ in range(8)]

    def rate(net, opt, loss_fn=torch.nn.functional.cross_entropy):
        def step(i):
            x, y = pool[i % len(pool)]
            opt.zero_grad(set_to_none=True)
            loss_fn(net(x), y).backward()
            opt.step()
        for i in range(args.torch_warmup):
            step(i)
        start = time.perf_counter()
        for i in range(args.torch_steps):
            step(i)
        return args.torch_steps / (time.perf_counter() - start)

    net = model()
    out = {"torch": rate(net, optimizer(net.parameters()))}
    try:
        import warnings
        warnings.filterwarnings("ignore")
        from opacus import GradSampleModule, PrivacyEngine
        from opacus.optimizers import DPOptimizer
    except ImportError:
        out["opacus_hooks"] = "skipped: opacus not installed"
        return out
    net = model()
    gsm = GradSampleModule(net)
    opt = DPOptimizer(optimizer(gsm.parameters()), noise_multiplier=1.0,
                      max_grad_norm=clip, expected_batch_size=args.batch)
    out["opacus_hooks"] = rate(gsm, opt)
    try:
        net = model()
        loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(*pool[0]),
                                             batch_size=args.batch)
        ghost, opt, criterion, _ = PrivacyEngine().make_private(
            module=net, optimizer=optimizer(net.parameters()), data_loader=loader,
            criterion=nn.CrossEntropyLoss(), noise_multiplier=1.0, max_grad_norm=clip,
            grad_sample_mode="ghost")
        out["opacus_ghost"] = rate(ghost, opt, criterion)
    except Exception as e:  # an Opacus without ghost clipping for these layers
        out["opacus_ghost"] = f"skipped: {type(e).__name__}: {e}"
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--data", default="fashion-mnist")
    parser.add_argument("--models", default="mlp,cnn", help="comma-separated: mlp, cnn")
    parser.add_argument("--batch", type=int, default=320)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--torch-steps", type=int, default=200)
    parser.add_argument("--torch-warmup", type=int, default=20)
    parser.add_argument("--json")
    args = parser.parse_args()
    results = {}
    for model in args.models.split(","):
        if model not in OPTIMIZERS:
            sys.exit(f"unknown model '{model}' (mlp, cnn)")
        private, plain = programs(model, args.batch)
        with tempfile.TemporaryDirectory() as workdir:
            try:
                result = {"kiln_private": kiln_rate(args, private, workdir, "private"),
                          "kiln": kiln_rate(args, plain, workdir, "plain")}
            except RuntimeError as e:
                sys.exit(str(e))
        result.update(torch_rates(args, model))
        results[model] = result
        title = {"mlp": "MLP 784-256-256-10, SGD", "cnn": "Tramer-Boneh CNN, SGD momentum 0.9"}
        print(f"{title[model]}, physical batch {args.batch}, {args.threads} threads (steps/s)")
        for key, value in result.items():
            print(f"  {key:16s} {value:.1f}" if isinstance(value, float) else f"  {key:16s} {value}")
        print(f"  Kiln private step / non-private step: {result['kiln'] / result['kiln_private']:.2f}x the time")
        if not isinstance(result.get("torch"), float):
            continue
        for mode in ["opacus_hooks", "opacus_ghost"]:
            if isinstance(result.get(mode), float):
                print(f"  {mode} step / torch step:{' ' * (15 - len(mode))}{result['torch'] / result[mode]:.2f}x the time")
                print(f"  Kiln private / {mode}:{' ' * (21 - len(mode))}{result['kiln_private'] / result[mode]:.2f}x the throughput")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
