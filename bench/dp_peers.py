#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""What differential privacy costs a training step, in Kiln and in Opacus, side by side.

The model is examples/mlp's 784-256-256-10 ReLU MLP with SGD and softmax cross-entropy, on
physical batches of --batch examples (default 320) and --threads threads:

- Kiln private: examples/privacy/mlp-dp-sgd.mlir (per-example clipping to norm 1, noise,
  SGD) compiled for --batch with expected lots of 0.8 * batch, trained by
  `kiln-run --train fashion-mnist --epochs E`; the step/s kiln-run prints per epoch (median)
  counts lots, each one call of the physical batch (a lot larger than the batch, which adds a
  call, has probability below 1e-4 here).
- Kiln non-private: the same program without `privacy` (a plain SGD step of the batch).
- Opacus / torch: the same model in torch.nn, SGD, the same batch size and intra-op threads,
  timed on random batches after warm-up: torch alone, and Opacus' GradSampleModule with its
  DPOptimizer (noise multiplier 1, max_grad_norm 1) for the private step (its default
  per-sample gradients from hooks; its ghost-clipping mode, which needs a wrapped loss and a
  second backward, is not timed here).

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


def programs(batch):
    with open(os.path.join(ROOT, "examples/privacy/mlp-dp-sgd.mlir")) as f:
        text = f.read()
    head = text[:text.index("kiln.train_step @")]
    lot = int(round(0.8 * batch))
    private = head + (f'kiln.train_step @train_step(@loss) {{optimizer = "sgd", lr = 0.5 : f64, '
                      f'forward = @forward, privacy = "dp_sgd", max_grad_norm = 1.0 : f64, '
                      f'expected_batch_size = {lot}, batch = {batch}}}\n')
    plain = head + (f'kiln.train_step @train_step(@loss) {{optimizer = "sgd", lr = 0.5 : f64, '
                    f'forward = @forward, batch = {batch}}}\n')
    return private, plain


def torch_rates(args):
    try:
        import torch
    except ImportError:
        return {"torch": "skipped: torch not installed"}
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    def model():
        return torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                   torch.nn.Linear(256, 256), torch.nn.ReLU(),
                                   torch.nn.Linear(256, 10))

    pool = [(torch.rand(args.batch, 784), torch.randint(0, 10, (args.batch,))) for _ in range(8)]

    def rate(net, opt):
        def step(i):
            x, y = pool[i % len(pool)]
            opt.zero_grad(set_to_none=True)
            torch.nn.functional.cross_entropy(net(x), y).backward()
            opt.step()
        for i in range(args.torch_warmup):
            step(i)
        start = time.perf_counter()
        for i in range(args.torch_steps):
            step(i)
        return args.torch_steps / (time.perf_counter() - start)

    net = model()
    out = {"torch": rate(net, torch.optim.SGD(net.parameters(), lr=0.5))}
    try:
        import warnings
        warnings.filterwarnings("ignore")
        from opacus import GradSampleModule
        from opacus.optimizers import DPOptimizer
    except ImportError:
        out["opacus"] = "skipped: opacus not installed"
        return out
    net = model()
    gsm = GradSampleModule(net)
    opt = DPOptimizer(torch.optim.SGD(gsm.parameters(), lr=0.5), noise_multiplier=1.0,
                      max_grad_norm=1.0, expected_batch_size=args.batch)
    out["opacus_hooks"] = rate(gsm, opt)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--data", default="fashion-mnist")
    parser.add_argument("--batch", type=int, default=320)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--torch-steps", type=int, default=200)
    parser.add_argument("--torch-warmup", type=int, default=20)
    parser.add_argument("--json")
    args = parser.parse_args()
    private, plain = programs(args.batch)
    with tempfile.TemporaryDirectory() as workdir:
        try:
            result = {"kiln_private": kiln_rate(args, private, workdir, "private"),
                      "kiln": kiln_rate(args, plain, workdir, "plain")}
        except RuntimeError as e:
            sys.exit(str(e))
    result.update(torch_rates(args))
    print(f"MLP 784-256-256-10, SGD, physical batch {args.batch}, {args.threads} threads "
          f"(steps/s)")
    for key, value in result.items():
        print(f"  {key:16s} {value:.1f}" if isinstance(value, float) else f"  {key:16s} {value}")
    print(f"  Kiln private step / non-private step: {result['kiln'] / result['kiln_private']:.2f}x the time")
    if isinstance(result.get("opacus_hooks"), float) and isinstance(result.get("torch"), float):
        print(f"  Opacus private step / torch step:     {result['torch'] / result['opacus_hooks']:.2f}x the time")
        print(f"  Kiln private / Opacus private:        {result['kiln_private'] / result['opacus_hooks']:.2f}x the throughput")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
