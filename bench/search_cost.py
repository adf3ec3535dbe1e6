#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Cost of a search iteration: RARTS against DARTS first and second order, side by side.

examples/search/search.mlir (the two-edge MLP supernet) and examples/search/cells.mlir (the
DARTS cell space: a normal and a reduction cell, ten edges of six candidates) each declare
their search step once (kiln.search_step). For every method M (darts1, darts2, rarts,
rarts_jacobi) this script compiles the step with `kiln-compile --search M` and calls it
--calls times on generated batches (`kiln-run LIB -e train_step -n CALLS --stats`), which
prints

- the median time of a call (the first, which warms the runtime's heap, is left out): one
  whole iteration, with a batch of each half of the data;
- the peak bytes of temporaries the compiled step held (the runtime's heap: activations,
  gradients, workspaces; not the parameters and state the caller passes in).

The weights and state come from the step's signature (`kiln-run --list`: its donated
inputs). With --compare-recompute the cell space is compiled a second time with
--recompute-candidates=false, to show what kiln-relax-mixed's recomputation changes.
It prints one row per program and method with the ratio of its time to DARTS second
order's, and the 1-minute load average before and after. Nothing is asserted on time.

    scripts/setup.sh
    python3 bench/search_cost.py            # --threads 2 --calls 8
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METHODS = ["darts1", "darts2", "rarts", "rarts_jacobi"]
PROGRAMS = {"supernet": "search.mlir", "cells": "cells.mlir"}


def tool(args, name, *argv):
    out = subprocess.run([os.path.join(args.build, "bin", name), *argv], capture_output=True,
                         text=True)
    if out.returncode != 0:
        sys.exit(f"search_cost: {name} {' '.join(argv)} failed:\n{out.stderr}")
    return out.stdout


def state_bytes(listing):
    """Bytes of the step's donated inputs (weights, alphas, y, optimizer state)."""
    total = 0
    for dtype, dims in re.findall(r"input +\d+: (f32|f64|i64)\[([0-9x]*)\] \(donated\)", listing):
        n = 1
        for d in filter(None, dims.split("x")):
            n *= int(d)
        total += n * (4 if dtype == "f32" else 8)
    return total


def measure(args, tmp, program, method, recompute=True):
    lib = os.path.join(tmp, f"{program}-{method}-{recompute}.so")
    tool(args, "kiln-compile", os.path.join(ROOT, "examples", "search", PROGRAMS[program]),
         "--search", method, f"--recompute-candidates={'true' if recompute else 'false'}",
         "-o", lib)
    out = tool(args, "kiln-run", lib, "-e", "train_step", "-n", str(args.calls), "--stats",
               "--print-limit", "0", "--threads", str(args.threads))
    stats = re.search(r"median ([0-9.]+) ms per call, peak temporaries (\d+) bytes", out)
    return (float(stats.group(1)), int(stats.group(2)),
            state_bytes(tool(args, "kiln-run", lib, "--list")))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--calls", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--programs", default="supernet,cells")
    parser.add_argument("--compare-recompute", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for program in args.programs.split(","):
            variants = [True, False] if args.compare_recompute and program == "cells" else [True]
            for recompute in variants:
                measured = {m: measure(args, tmp, program, m, recompute) for m in METHODS}
                for method, (ms, peak, state) in measured.items():
                    rows.append((program + ("" if recompute else " (keep)"), method, ms,
                                 ms / measured["darts2"][0], peak, state))
    load_after = os.getloadavg()[0]
    print(f"search_cost: {args.calls} calls per step on generated batches, {args.threads} threads")
    print(f"{'program':16} {'--search':13} {'ms/iter':>9} {'vs darts2':>10} "
          f"{'peak temporaries MB':>20} {'weights+state MB':>17}")
    for program, method, ms, ratio, peak, state in rows:
        print(f"{program:16} {method:13} {ms:9.2f} {ratio:9.2f}x {peak / 2**20:20.1f} "
              f"{state / 2**20:17.2f}")
    print(f"load average {load_before:.2f} before, {load_after:.2f} after")


if __name__ == "__main__":
    main()
