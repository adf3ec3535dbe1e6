#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Times torch.optim's CPU optimizers (foreach and fused) at the sizes of kiln-bench-optimizers.
"""PyTorch's side of the optimizer benchmark.

Alone, it times each optimizer and prints parameters/s:

    python3 bench/torch_optimizers.py --sizes 1M,16M --threads 2

kiln-bench-optimizers runs it with --serve instead: one request per line on stdin, one reply
per line on stdout, so that torch's steps interleave with Kiln's and their ratio survives the
bandwidth drift of a shared machine:

    case NAME SIZE  -> "ok IMPL..." (the implementations built and warmed up) | "none" | "error ..."
    step IMPL       -> seconds taken by one opt.step()
    end             -> "ok" (the case's tensors are freed)

Hyperparameters are torch's defaults (SGD: lr 0.01), as in the C++ table. Without torch the
script says it was skipped and exits 0, so the benchmark never depends on it.
"""
import argparse
import gc
import statistics
import sys
import time
import warnings

# C++ table name -> (torch.optim class, keyword arguments); the hyperparameters must match
# the kOptimizers row. An optimizer missing here has no torch counterpart in the comparison.
OPTIMIZERS = {
    "sgd": ("SGD", {"lr": 1e-2}),
    "momentum": ("SGD", {"lr": 1e-2, "momentum": 0.9}),
    "adam": ("Adam", {"lr": 1e-3}),
    "adamw": ("AdamW", {"lr": 1e-3, "weight_decay": 1e-2}),
    # clip_grad_norm_(max_norm=1.0) before each AdamW step, as kiln's adamw_clip row.
    "adamw_clip": ("AdamW", {"lr": 1e-3, "weight_decay": 1e-2}),
}
CLIP_NORM = {"adamw_clip": 1.0}
IMPLS = ("foreach", "fused")
NO_TORCH = "torch not installed (pip install torch)"


def parse_shapes(token, model_shapes):
    """The tensor shapes of one --sizes token: 1M = 2**20 parameters in one tensor, or 'model'."""
    if token == "model":
        if not model_shapes:
            raise ValueError("size 'model' needs --model-shapes")
        return [tuple(int(d) for d in s.split("x")) for s in model_shapes.split(",")]
    shift = {"K": 10, "M": 20, "G": 30}.get(token[-1:].upper(), 0)
    return [(int(token[:-1] if shift else token) << shift,)]


def make_case(torch, name, shapes):
    """Parameters with gradients and every implementation of `name` that this torch has,
    each stepped twice (the first step creates the optimizer state)."""
    cls_name, kwargs = OPTIMIZERS[name]
    cls = getattr(torch.optim, cls_name)
    params = []
    for shape in shapes:
        # Same ranges as the C++ side: p in [-1, 1), g in [-0.01, 0.01).
        p = torch.nn.Parameter(torch.empty(shape).uniform_(-1, 1))
        p.grad = torch.empty(shape).uniform_(-1e-2, 1e-2)
        params.append(p)
    clip = CLIP_NORM.get(name)
    opts = {}
    for impl in IMPLS:
        try:
            opt = cls(params, **kwargs, **{impl: True})

            def step(opt=opt):
                if clip is not None:
                    torch.nn.utils.clip_grad_norm_(params, clip, foreach=True)
                opt.step()

            step()
            step()
            opts[impl] = step
        except (RuntimeError, ValueError):
            pass  # e.g. a torch without a fused CPU kernel for this optimizer
    return params, opts


def timed_step(step):
    """Seconds taken by one training-step update: `step` runs opt.step() (after clipping)."""
    t0 = time.perf_counter()
    step()
    return time.perf_counter() - t0


def serve(torch, args):
    print(f"ready torch {torch.__version__} threads {torch.get_num_threads()}", flush=True)
    case = None
    for line in sys.stdin:
        words = line.split()
        try:
            if words[0] == "case":
                case = None
                gc.collect()
                if words[1] not in OPTIMIZERS:
                    reply = "none"
                else:
                    case = make_case(torch, words[1], parse_shapes(words[2], args.model_shapes))
                    reply = " ".join(["ok", *case[1]])
            elif words[0] == "step":
                reply = f"{timed_step(case[1][words[1]]):.9g}"
            elif words[0] == "end":
                case = None
                gc.collect()
                reply = "ok"
            else:
                reply = f"error: unknown request {line.strip()!r}"
        except (MemoryError, RuntimeError, ValueError, KeyError, TypeError) as e:
            case = None
            reply = f"error: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        print(reply, flush=True)
    return 0


def standalone(torch, args):
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), median step time; "
          f"Gp/s = 1e9 parameters/s")
    print(f"{'optimizer':<9} {'size':<8} {'params':>11} {'foreach Gp/s':>13} {'fused Gp/s':>11}")
    for name in args.optimizers.split(","):
        if name not in OPTIMIZERS:
            print(f"{name:<9} no torch.optim counterpart")
            continue
        for token in args.sizes.split(","):
            params, opts = make_case(torch, name, parse_shapes(token, args.model_shapes))
            count = sum(p.numel() for p in params)
            cells = []
            for impl in IMPLS:
                if impl not in opts:
                    cells.append("-")
                    continue
                samples, start = [], time.perf_counter()
                while len(samples) < 5 or time.perf_counter() - start < args.seconds:
                    samples.append(timed_step(opts[impl]))
                cells.append(f"{count / statistics.median(samples) / 1e9:.3f}")
            print(f"{name:<9} {token:<8} {count:>11} {cells[0]:>13} {cells[1]:>11}", flush=True)
            del params, opts
            gc.collect()
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1M,16M", help="as kiln-bench-optimizers --sizes")
    ap.add_argument("--optimizers", default="sgd,momentum,adam,adamw")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=0.5, help="per optimizer, size and impl")
    ap.add_argument("--model-shapes", default="",
                    help="comma-separated shapes (AxB) of the size 'model'")
    ap.add_argument("--serve", action="store_true", help="answer kiln-bench-optimizers' requests")
    args = ap.parse_args()

    # torch warns at import when numpy is absent; nothing here needs numpy.
    warnings.filterwarnings("ignore", message=".*NumPy.*")
    try:
        import torch
    except ImportError:
        # In --serve mode the benchmark prefixes its own "torch comparison skipped: ".
        print(NO_TORCH if args.serve else f"torch_optimizers: skipped: {NO_TORCH}", flush=True)
        return 0
    torch.set_num_threads(args.threads)
    return serve(torch, args) if args.serve else standalone(torch, args)


if __name__ == "__main__":
    sys.exit(main())
