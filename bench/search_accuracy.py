#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Retrained accuracy of the architectures DARTS first order and RARTS derive, per seed.

For each seed, examples/search/search.mlir (--space supernet, the default; --space cells:
examples/search/cells.mlir, the DARTS cell space) searches for --search-epochs epochs with
`kiln-run --seed S --checkpoint` after `kiln-compile --search M` (M = darts1 for DARTS first
order, rarts for RARTS, both on the two halves of the training data), then examples/search/retrain.mlir
(cells-retrain.mlir) retrains the derived architecture from scratch for --retrain-epochs epochs on the whole
training set with the same seed (`kiln-run --arch CHECKPOINT --seed S`), and the last epoch's
test accuracy is read back. It prints one row per seed and method with the derived
architecture (each edge's candidate by DARTS' rule, from the alphas kiln-bind-arch reads)
and the accuracy, then the mean per method (for the cell space: each edge's
strongest candidate, abbreviated, normal cell then reduction cell; "|" between the cells).
Nothing is asserted.

    scripts/setup.sh
    python3 bench/search_accuracy.py        # seeds 0,1,2; 10 search and 10 retrain epochs
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METHODS = ["darts1", "rarts"]
SPACES = {
    "supernet": ("search.mlir", "retrain.mlir",
                 ["none", "linear_relu", "linear_tanh", "skip_connect"]),
    "cells": ("cells.mlir", "cells-retrain.mlir",
              ["none", "skip_connect", "max_pool_3x3", "avg_pool_3x3", "sep_conv_3x3",
               "dil_conv_3x3"]),
}
SHORT = {"linear_relu": "lin_relu", "linear_tanh": "lin_tanh", "skip_connect": "skip",
         "max_pool_3x3": "max", "avg_pool_3x3": "avg", "sep_conv_3x3": "sep",
         "dil_conv_3x3": "dil"}


def kiln(args, tool, *argv):
    out = subprocess.run([os.path.join(args.build, "bin", tool), *argv], capture_output=True,
                         text=True)
    if out.returncode != 0:
        sys.exit(f"search_accuracy: {tool} {' '.join(argv)} failed:\n{out.stderr}")
    return out.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--data", default="fashion-mnist")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--search-epochs", type=int, default=10)
    parser.add_argument("--retrain-epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--space", choices=sorted(SPACES), default="supernet")
    args = parser.parse_args()
    search_file, retrain_file, candidates = SPACES[args.space]
    search = os.path.join(ROOT, "examples", "search", search_file)
    retrain = os.path.join(ROOT, "examples", "search", retrain_file)
    results = {m: [] for m in METHODS}
    with tempfile.TemporaryDirectory() as tmp:
        libs = {m: os.path.join(tmp, f"{m}.so") for m in METHODS}
        for method, lib in libs.items():
            kiln(args, "kiln-compile", search, "--search", method, "-o", lib)
        print(f"{'seed':>4} {'method':7} {'strongest candidate per edge':40} {'search acc.':>11} "
              f"{'retrained acc.':>14}")
        for seed in args.seeds.split(","):
            for method in METHODS:
                st = os.path.join(tmp, f"{method}-{seed}.st")
                out = kiln(args, "kiln-run", libs[method], "--seed", seed, "--train",
                           args.data, "--epochs", str(args.search_epochs), "--quiet",
                           "--threads", str(args.threads), "--checkpoint", st)
                searched = float(re.findall(r"test accuracy ([0-9.]+)%", out)[-1])
                # The searched alphas, and each edge's candidate by DARTS' rule (the
                # strongest other than "none", ties to the lowest index), as derive-arch does.
                bound = kiln(args, "kiln-opt", retrain, f"--kiln-bind-arch=checkpoint={st}")
                k = len(candidates)
                alphas = [[float(x) for x in m.split(",")] for m in
                          re.findall(r"arith.constant dense<\[([^\]]+)\]> : tensor<%dxf32>" % k,
                                     bound)]
                choice = [SHORT[candidates[max(range(1, k), key=lambda i: (a[i], -i))]]
                          for a in alphas]
                if args.space == "cells":
                    choice = choice[:5] + ["|"] + choice[5:]
                out = kiln(args, "kiln-run", retrain, "--arch", st, "--seed", seed, "--train",
                           args.data, "--epochs", str(args.retrain_epochs), "--quiet",
                           "--threads", str(args.threads))
                accuracy = float(re.findall(r"test accuracy ([0-9.]+)%", out)[-1])
                results[method].append(accuracy)
                print(f"{seed:>4} {method:7} {' '.join(choice):40} {searched:10.2f}% "
                      f"{accuracy:13.2f}%", flush=True)
    for method, accs in results.items():
        print(f"{method}: mean retrained test accuracy {statistics.mean(accs):.2f}% over "
              f"{len(accs)} seeds")


if __name__ == "__main__":
    main()
