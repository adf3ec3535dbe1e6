#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""torch on the GPU, for kiln-bench-gpu's figures (scripts/gpu-check.sh runs both).

- Adam fp32 on one parameter tensor of --params elements: torch.optim.Adam(fused=True) and
  (foreach=True), the gradient set once, --steps timed opt.step() calls after warm-up.
- The MLP example's training step in eager mode (784-256-256-10 ReLU, softmax
  cross-entropy, Adam lr 1e-3), batch --mlp-batch, one fixed batch on the device:
  zero_grad, forward, loss, backward, step.
- The CNN example's step the same way (conv-relu-pool twice, two linear layers, Adam), at
  the same batch, with TF32 off so that torch computes in fp32 as Kiln does.

Prints lines kiln-bench-gpu's reader understands ("torch adam fused: X ms/step") and exits 0
without torch or without a GPU, saying so.
"""
import argparse
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--params", type=int, default=256 << 20)
    parser.add_argument("--mlp-batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        print("torch: skipped (not installed)")
        return 0
    if not torch.cuda.is_available():
        print("torch: skipped (no CUDA device visible to torch)")
        return 0
    dev = torch.device("cuda")
    print(f"torch {torch.__version__} on {torch.cuda.get_device_name(0)}")

    def timed(fn, warmup, steps):
        for _ in range(warmup):
            fn()
        torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(steps):
            fn()
        torch.cuda.synchronize()
        return (time.perf_counter() - start) / steps

    for impl in ("fused", "foreach"):
        p = torch.nn.Parameter(torch.randn(args.params, device=dev) * 0.05)
        p.grad = torch.randn(args.params, device=dev) * 0.01
        try:
            opt = torch.optim.Adam([p], lr=1e-3, **{impl: True})
        except (TypeError, RuntimeError) as e:
            print(f"torch adam {impl}: skipped ({e})")
            continue
        seconds = timed(opt.step, 3, args.steps)
        print(f"torch adam {impl}: {seconds * 1e3:.3f} ms/step, "
              f"{28.0 * args.params / seconds / 1e9:.1f} GB/s")
        del p, opt
        torch.cuda.empty_cache()

    nn = torch.nn
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                          nn.Linear(256, 10)).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(args.mlp_batch, 784, device=dev)
    y = torch.randint(0, 10, (args.mlp_batch,), device=dev)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    seconds = timed(step, 10, args.steps * 10)
    print(f"torch mlp eager: batch {args.mlp_batch}, {seconds * 1e3:.3f} ms/step")

    # The CNN of examples/cnn/cnn.mlir, fp32 as Kiln computes it (torch's cuDNN default would
    # use TF32 tensor cores for the convolutions).
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    cnn = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10)).to(dev)
    cnn_opt = torch.optim.Adam(cnn.parameters(), lr=1e-3)
    images = torch.rand(args.mlp_batch, 1, 28, 28, device=dev)

    def cnn_step():
        cnn_opt.zero_grad(set_to_none=True)
        loss = nn.functional.cross_entropy(cnn(images), y)
        loss.backward()
        cnn_opt.step()

    seconds = timed(cnn_step, 10, args.steps * 5)
    print(f"torch cnn eager: batch {args.mlp_batch}, {seconds * 1e3:.3f} ms/step")
    return 0


if __name__ == "__main__":
    sys.exit(main())
