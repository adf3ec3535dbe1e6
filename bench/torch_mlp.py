#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Training throughput of PyTorch on examples/mlp's model, to compare with kiln-run.

Same network (784-256-256-10, ReLU), loss (cross-entropy, mean), optimizer (Adam lr 1e-3),
batch (128) and thread count as `kiln-run examples/mlp/mlp.mlir --train fashion-mnist`.
Times full steps (forward, backward, optimizer) on random batches after a warm-up, and prints
steps/s. Run: python3 bench/torch_mlp.py --threads 2 (needs `pip install torch`); compare
with the step/s that kiln-run prints per epoch in the same session.
"""
import argparse
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=500)
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        print("skipped: torch not installed (pip install torch)")
        return 0
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 10))
    results = {}
    for impl in ("foreach", "fused"):
        try:
            opt = torch.optim.Adam(model.parameters(), lr=1e-3, **{impl: True})
        except (RuntimeError, ValueError):
            continue
        x = torch.rand(128, 784)
        y = torch.randint(0, 10, (128,))
        loss_fn = torch.nn.CrossEntropyLoss()

        def step():
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()

        for _ in range(50):
            step()
        start = time.perf_counter()
        for _ in range(args.steps):
            step()
        results[impl] = args.steps / (time.perf_counter() - start)
    print(f"torch {torch.__version__}, {args.threads} threads, batch 128: " +
          ", ".join(f"Adam({k}=True) {v:.1f} step/s" for k, v in results.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
