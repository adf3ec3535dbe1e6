#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Empirical NTK peers: the MLP example's network (784-256-256-10, ReLU) on N samples, with
neural-tangents and with Kiln, in the same run.

What it measures
    The empirical NTK traced over the 10 logits (neural-tangents' default trace_axes=(-1,),
    an [N, N] kernel) at one set of parameters:
      - neural-tangents: nt.empirical_ntk_fn(f, trace_axes=(-1,), vmap_axes=0,
        implementation=NtkImplementation.JACOBIAN_CONTRACTION), jitted; the second call is
        timed, after a warm-up that compiles. float32, as jax computes by default.
      - Kiln (with --kiln BINARY --library LIB): build/bin/kiln-bench-ntk on
        bench/ntk_mlp.mlir compiled with kiln-compile: one compiled VJP per sample and logit
        (kiln::rt::compiledJacobianRows), contracted in double per logit (empiricalNtk).
      - kiln.ntk (with --kiln BINARY --op-library LIB): the same tool on bench/ntk_mlp_op.mlir:
        the compiled op, one VJP of the whole batch per sample and logit, BLAS Gram products
        in double (128 samples only); the second call is timed.
    Both print the kernel's trace and its largest eigenvalue, which must agree (to float32
    rounding), and the seconds of the kernel alone. Each runs in its own child process,
    pinned to --threads CPUs with every thread pool set to match; the peak RSS is the
    child's.

The parameters and inputs (both sides compute them in double, then round to float32)
    layer l = 0, 1, 2 of sizes 784 -> 256 -> 256 -> 10: weight [in, out] with
        w[i][j] = sin(0.37 * i + 1.3 * j + l) / sqrt(in),   bias b[j] = 0.1 * cos(0.11 * j + l)
    sample n's pixel k: x[n][k] = 0.5 + 0.5 * sin(0.013 * n + 0.7 * k)

How to run it
    pip install neural-tangents numpy
    build/bin/kiln-compile bench/ntk_mlp.mlir -o /tmp/libntk-mlp.so
    python3 bench/ntk_peers.py --threads 1 --kiln build/bin/kiln-bench-ntk \\
        --library /tmp/libntk-mlp.so [--op-library /tmp/libntk-op.so]
    (the last from build/bin/kiln-compile bench/ntk_mlp_op.mlir -o /tmp/libntk-op.so)
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np

from peer_runner import run_child

SIZES = (784, 256, 256, 10)


def make_params():
    params = []
    for l in range(3):
        fan_in, fan_out = SIZES[l], SIZES[l + 1]
        w = np.array([[math.sin(0.37 * i + 1.3 * j + l) / math.sqrt(fan_in)
                       for j in range(fan_out)] for i in range(fan_in)])
        b = np.array([0.1 * math.cos(0.11 * j + l) for j in range(fan_out)])
        params.append((w.astype(np.float32), b.astype(np.float32)))
    return params


def make_inputs(n):
    x = np.array([[0.5 + 0.5 * math.sin(0.013 * s + 0.7 * k) for k in range(784)]
                  for s in range(n)])
    return x.astype(np.float32)


def worker_nt(args):
    import importlib.metadata

    import jax
    import neural_tangents as nt

    def f(params, x):
        for l, (w, b) in enumerate(params):
            x = x @ w + b
            if l < 2:
                x = jax.nn.relu(x)
        return x

    params = jax.device_put(make_params())
    x = jax.device_put(make_inputs(args.samples))
    kernel_fn = jax.jit(nt.empirical_ntk_fn(
        f, trace_axes=(-1,), vmap_axes=0,
        implementation=nt.NtkImplementation.JACOBIAN_CONTRACTION))
    jax.block_until_ready(kernel_fn(x, None, params))  # compiles
    start = time.perf_counter()
    k = jax.block_until_ready(kernel_fn(x, None, params))
    seconds = time.perf_counter() - start
    k = np.asarray(k, dtype=np.float64)
    return {"seconds": seconds, "trace": float(np.trace(k)),
            "lambda_max": float(np.linalg.eigvalsh(k)[-1]), "corner": float(k[0, 1]),
            "version": f"neural-tangents {importlib.metadata.version('neural-tangents')}, "
                       f"jax {importlib.metadata.version('jax')}"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples", type=int, default=128)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--kiln", metavar="BINARY", help="kiln-bench-ntk; else skip Kiln")
    ap.add_argument("--library", help="bench/ntk_mlp.mlir compiled by kiln-compile")
    ap.add_argument("--op-library", help="bench/ntk_mlp_op.mlir compiled by kiln-compile")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker_nt(args)))
        return
    if args.kiln and not args.library:
        ap.error("--kiln needs --library")
    print(f"empirical NTK of the 784-256-256-10 MLP, {args.samples} samples, traced over 10 "
          f"logits, {args.threads} thread(s)")
    runs = {"neural-tangents": run_child(
        [sys.executable, os.path.abspath(__file__), "--samples", str(args.samples),
         "--threads", str(args.threads), "--worker"], args.threads)}
    if args.kiln:
        runs["kiln"] = run_child([args.kiln, args.library, "--samples", str(args.samples)],
                                 args.threads)
    if args.kiln and args.op_library:
        runs["kiln.ntk (op)"] = run_child(
            [args.kiln, args.op_library, "--samples", str(args.samples)], args.threads)
    print(f"{'library':16s} {'seconds':>9s} {'trace':>14s} {'lambda_max':>14s} "
          f"{'K[0,1]':>12s} {'peak RSS MB':>12s}")
    for lib, (res, rss) in runs.items():
        print(f"{lib:16s} {res['seconds']:9.3f} {res['trace']:14.7g} {res['lambda_max']:14.7g} "
              f"{res['corner']:12.7g} {rss:12.1f}")
    for name in ("kiln", "kiln.ntk (op)"):
        if name not in runs:
            continue
        (k, krss), (p, prss) = runs[name], runs["neural-tangents"]
        rel = abs(k["trace"] - p["trace"]) / abs(p["trace"])
        print(f"{name} / neural-tangents: time {k['seconds'] / p['seconds']:.3f}, "
              f"peak RSS {krss / prss:.3f}, trace relative difference {rel:.2e}")
    print(f"neural-tangents: {runs['neural-tangents'][0]['version']}")


if __name__ == "__main__":
    main()
