#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Entropic OT peers: the Monge gap of two point clouds with OTT-JAX, POT and Kiln.

What it measures
    The Monge gap mean_i ||x_i - y_i||^2 - W_eps(x, y) of two [n, d] float32 clouds (squared
    Euclidean cost, uniform weights, log-domain Sinkhorn) run for exactly --iterations
    (g, f) update pairs, no early stop, at one absolute epsilon:
      - OTT: ott.neural.methods.monge_gap.monge_gap_from_samples, jitted, threshold=0 (OTT
        stops when error < threshold, which a marginal error never is) and max_iterations
        = --iterations; the second call is timed, after a warm-up that compiles. OTT runs
        in blocks of 10 iterations (inner_iterations), so --iterations must be a multiple of
        10; the script checks out.n_iters.
      - POT: ot.dist then ot.sinkhorn(..., method="sinkhorn_log", numItermax=--iterations,
        stopThr=0) on float32 numpy arrays, and the gap from its dual potentials in OTT's
        form (the iterate is not converged, so the primal form would differ); one call.
      - Kiln (only with --kiln BINARY): BINARY --n N --d D --iterations K --epsilon E
        --seed S, which prints one JSON line {"seconds": ..., "value": ..., "peak_rss_mb": ...}.
    Each library runs in its own child process (this script with --worker), so its peak RSS
    (os.wait4's ru_maxrss for that child) is its own; the child is pinned to --threads CPUs,
    with OMP/BLAS/XLA thread counts set to match. "seconds" is the solve only, as each child
    times it (for POT and OTT it includes building the cost matrix, as Kiln's does).

The points (for the C++ side to replicate bit for bit)
    For i in [0, n), k in [0, d), with seed S (an integer, default 0), in IEEE double:
        x[i][k] = (float) sin(0.37 * i + 1.3 * k + S)
        y[i][k] = (float) (0.5 + cos(0.11 * i - 0.7 * k + S))
    evaluated left to right exactly as written (((0.37 * i) + (1.3 * k)) + S, then sin or
    cos, then 0.5 + ..., each rounded to double), then rounded to float32 (round to
    nearest). Python's math.sin / math.cos are the C library's, as std::sin / std::cos in
    C++ on the same system; compile that code without FMA contraction (-ffp-contract=off),
    which would round 0.37 * i + 1.3 * k once instead of twice.
    Epsilon, unless --epsilon is given: 0.05 * numpy.std(C) (ddof = 0) with C the n x m
    squared distances of those float32 points computed in float64; it is printed and passed
    to every library as an absolute epsilon (repr, so Kiln reads the same double).

How to run it
    python3 -m venv /tmp/venv-ot
    /tmp/venv-ot/bin/pip install "ott-jax[neural]" pot numpy
    /tmp/venv-ot/bin/python bench/transport_peers.py --iterations 50 --threads 1 \\
        [--kiln build/bin/kiln-bench-transport]
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np

from peer_runner import run_child


def make_points(n, d, seed):
    """The clouds of the docstring, float32 [n, d] each."""
    x = [[math.sin(0.37 * i + 1.3 * k + seed) for k in range(d)] for i in range(n)]
    y = [[0.5 + math.cos(0.11 * i - 0.7 * k + seed) for k in range(d)] for i in range(n)]
    return np.asarray(x, dtype=np.float64).astype(np.float32), \
        np.asarray(y, dtype=np.float64).astype(np.float32)


def default_epsilon(x, y):
    """0.05 * numpy.std of the squared distances, in float64. C is filled a block of rows at
    a time, so the [rows, m, d] differences stay small (one n x m float64 C, 128 MiB at
    4096)."""
    xd, yd = x.astype(np.float64), y.astype(np.float64)
    c = np.empty((len(xd), len(yd)))
    for r0 in range(0, len(xd), 128):
        c[r0:r0 + 128] = ((xd[r0:r0 + 128, None, :] - yd[None, :, :]) ** 2).sum(-1)
    return 0.05 * float(np.std(c))


# Workers: run in the child process; print one JSON line.

def worker_ott(args):
    import jax
    from ott.neural.methods.monge_gap import monge_gap_from_samples

    x, y = make_points(args.n, args.d, args.seed)

    @jax.jit
    def gap(x, y):
        value, out = monge_gap_from_samples(x, y, epsilon=args.epsilon, threshold=0.0,
                                            max_iterations=args.iterations,
                                            return_output=True)
        return value, out.n_iters

    xj, yj = jax.device_put(x), jax.device_put(y)
    jax.block_until_ready(gap(xj, yj))  # compiles
    start = time.perf_counter()
    value, iterations = jax.block_until_ready(gap(xj, yj))
    seconds = time.perf_counter() - start
    if int(iterations) != args.iterations:
        sys.exit(f"OTT ran {int(iterations)} iterations, not {args.iterations}")
    return {"seconds": seconds, "value": float(value), "dtype": str(value.dtype),
            "version": f"ott-jax {_version('ott-jax')}, jax {_version('jax')}"}


def worker_pot(args):
    import ot

    x, y = make_points(args.n, args.d, args.seed)
    n = args.n
    a = np.full(n, 1.0 / n, dtype=np.float32)
    start = time.perf_counter()
    c = ot.dist(x, y)  # squared Euclidean, float32
    eps = np.float32(args.epsilon)
    # With log=True POT also returns exp(log_u) and exp(log_v), which overflow float32 here
    # (f / eps is in the hundreds); only the logs are used, so that warning is noise.
    with np.errstate(over="ignore"):
        plan, log = ot.sinkhorn(a, a, c, eps, method="sinkhorn_log",
                                numItermax=args.iterations, stopThr=0.0, warn=False,
                                log=True)
    # ent_reg in OTT's (and Kiln's) dual form <a, f> + <b, g> + eps (1 - sum P), with POT's
    # log-scalings f = eps log_u, g = eps log_v: after a fixed number of iterations the
    # column sums are not yet b, and the primal <P, C> + eps sum P log P would differ.
    ent_reg = eps * (log["log_u"].mean() + log["log_v"].mean()) + eps * (1 - plan.sum())
    value = np.diagonal(c).mean() - ent_reg
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "value": float(value), "dtype": str(plan.dtype),
            "version": f"POT {_version('pot')}, numpy {np.__version__}"}


def _version(package):
    import importlib.metadata
    return importlib.metadata.version(package)


# Parent: one child per library.

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=4096, help="points per cloud (n = m)")
    ap.add_argument("--d", type=int, default=16)
    ap.add_argument("--iterations", type=int, default=100,
                    help="Sinkhorn iterations, a multiple of 10 (OTT runs blocks of 10)")
    ap.add_argument("--epsilon", type=float, default=None,
                    help="absolute epsilon (default: 0.05 * std of the cost matrix)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--kiln", metavar="BINARY", help="kiln-bench-transport; else skip Kiln")
    ap.add_argument("--worker", choices=("ott", "pot"), help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:
        result = {"ott": worker_ott, "pot": worker_pot}[args.worker](args)
        print(json.dumps(result))
        return

    if args.iterations < 10 or args.iterations % 10:
        ap.error("--iterations must be a positive multiple of 10")
    if args.epsilon is None:
        x, y = make_points(args.n, args.d, args.seed)
        args.epsilon = default_epsilon(x, y)
        del x, y
        source = "0.05 * std(C)"
    else:
        source = "given"
    print(f"n = m = {args.n}, d = {args.d}, {args.iterations} iterations, "
          f"epsilon = {args.epsilon!r} ({source}), seed {args.seed}, "
          f"{args.threads} thread(s), squared Euclidean, float32")

    common = ["--n", str(args.n), "--d", str(args.d), "--iterations", str(args.iterations),
              "--epsilon", repr(args.epsilon), "--seed", str(args.seed)]
    me = [sys.executable, os.path.abspath(__file__)]
    runs = {}
    for lib in ("ott", "pot"):
        runs[lib] = run_child(me + common + ["--threads", str(args.threads), "--worker", lib],
                              args.threads)
    if args.kiln:
        runs["kiln"] = run_child([args.kiln] + common, args.threads)

    header = f"{'library':8s} {'s/iter':>10s} {'total s':>9s} {'value':>14s} {'peak RSS MB':>12s}"
    if "kiln" in runs:
        header += f" {'kiln/peer time':>15s} {'kiln/peer RSS':>14s}"
    print(header)
    for lib, (res, rss) in runs.items():
        row = (f"{lib:8s} {res['seconds'] / args.iterations:10.5f} {res['seconds']:9.3f} "
               f"{res['value']:14.7g} {rss:12.1f}")
        if "kiln" in runs and lib != "kiln":
            kres, krss = runs["kiln"]
            row += f" {kres['seconds'] / res['seconds']:15.3f} {krss / rss:14.3f}"
        print(row)
    for lib, (res, _) in runs.items():
        extra = f"  (self-reported peak RSS {res['peak_rss_mb']} MB)" if "peak_rss_mb" in res \
            else ""
        print(f"{lib}: {res.get('version', args.kiln)}{extra}")


if __name__ == "__main__":
    main()
