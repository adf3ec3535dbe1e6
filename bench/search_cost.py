#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Cost of a search iteration: RARTS against DARTS first and second order, side by side.

examples/search/search.mlir declares its search step once (kiln.search_step); kiln-compile
--search M writes it for each method M: darts1 (DARTS first order), darts2 (second order with
the finite-difference Hessian-vector product), rarts (RARTS' Gauss-Seidel sweep over w, y
and alpha) and rarts_jacobi (the same with alpha's gradient from the weights' own backward
passes). Each step trains for --epochs epochs in a process of its own
(`kiln-run LIB --train fashion-mnist --quiet --threads N`), and this script reads back

- the step rate kiln-run prints per epoch (the median over epochs): each step takes one batch
  of each half of the training data and does the whole iteration;
- the peak resident memory of that process (ru_maxrss from wait4), which includes the
  dataset (both halves and the test set, about 220 MB as float32) as the same constant in
  every row, and the state's bytes from kiln-run's accounting line.

It prints one row per step with the time per iteration and its ratio to DARTS second order,
and the 1-minute load average before and after. Nothing is asserted on time.

    scripts/setup.sh
    python3 bench/search_cost.py            # --threads 2 --epochs 3
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METHODS = ["darts1", "darts2", "rarts", "rarts_jacobi"]


def run_with_rusage(lib, args):
    cmd = [os.path.join(args.build, "bin", "kiln-run"), lib, "--train",
           args.data, "--epochs", str(args.epochs), "--quiet", "--threads", str(args.threads)]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return proc.returncode, out.read(), err.read(), usage.ru_maxrss * 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--data", default="fashion-mnist")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for name in METHODS:
            lib = os.path.join(tmp, f"{name}.so")
            compiled = subprocess.run([os.path.join(args.build, "bin", "kiln-compile"),
                                       os.path.join(ROOT, "examples", "search", "search.mlir"),
                                       "--search", name, "-o", lib])
            if compiled.returncode != 0:
                sys.exit(f"search_cost: kiln-compile --search {name} failed")
            code, out, err, rss = run_with_rusage(lib, args)
            if code != 0:
                sys.exit(f"search_cost: kiln-run of --search {name} failed:\n{err}")
            rates = [float(r) for r in re.findall(r"([0-9.]+) step/s", out)]
            state = re.search(r"optimizer state (\d+) bytes", out)
            params = re.search(r": (\d+) parameters", out)
            rows.append((name, statistics.median(rates), rss,
                         int(params.group(1)) if params else 0,
                         int(state.group(1)) if state else 0))
    load_after = os.getloadavg()[0]
    darts2 = next(r for r in rows if r[0] == "darts2")
    print(f"search_cost: examples/search/search.mlir, {args.epochs} epochs, {args.threads} "
          f"threads, batch 128 per half")
    print(f"{'--search':13} {'step/s':>8} {'ms/iter':>8} {'vs darts2':>10} "
          f"{'peak RSS MB':>12} {'weights+state MB':>17}")
    for name, rate, rss, params, state in rows:
        print(f"{name:13} {rate:8.1f} {1e3 / rate:8.3f} {darts2[1] / rate:9.2f}x "
              f"{rss / 2**20:12.1f} {(4 * params + state) / 2**20:17.2f}")
    print(f"load average {load_before:.2f} before, {load_after:.2f} after")


if __name__ == "__main__":
    main()
