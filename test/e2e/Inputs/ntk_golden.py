#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Replays test/e2e/golden/ntk.json (standard library only):
    ntk_golden.py inputs GOLDEN DIR      writes w1, b1, w2, b2 and x as DIR/<name>.npy
    ntk_golden.py nan-inputs GOLDEN DIR  the same with x[0][0] = NaN
    ntk_golden.py compare GOLDEN DIR     compares DIR/result<i>.npy (kiln-run --save-dir) with
                                         the expected kernels, spectrum and trace
"""
import json
import sys

from npyio import flatten, read_npy, write_npy

ORDER = ["trace", "full", "sum", "eigenvalues", "kernel_trace", "condition_number"]


def main():
    mode, golden_path, directory = sys.argv[1:4]
    golden = json.load(open(golden_path))
    if mode in ("inputs", "nan-inputs"):
        for name in ["w1", "b1", "w2", "b2"]:
            write_npy(f"{directory}/{name}.npy", *flatten(golden["params"][name]))
        x, shape = flatten(golden["x"])
        if mode == "nan-inputs":
            x[0] = float("nan")
        write_npy(f"{directory}/x.npy", x, shape)
        return 0
    tolerance = golden["tolerance"]
    failed = 0
    for i, name in enumerate(ORDER):
        expected, shape = flatten(golden["expected"][name])
        got, got_shape = read_npy(f"{directory}/result{i}.npy")
        scale = max(1.0, max(abs(v) for v in expected))
        error = max(abs(a - b) for a, b in zip(got, expected)) / scale
        ok = got_shape == shape and error <= tolerance
        failed += not ok
        print(f"{'PASS' if ok else 'FAIL'} {name} {shape}: max error {error:.3g} "
              f"(relative to {scale:.3g})")
    print(f"{failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
