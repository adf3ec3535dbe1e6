#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Replays test/e2e/golden/ntk.json (standard library only):
    ntk_golden.py inputs GOLDEN DIR      writes w1, b1, w2, b2 and x as DIR/<name>.npy
    ntk_golden.py nan-inputs GOLDEN DIR  the same with x[0][0] = NaN
    ntk_golden.py compare GOLDEN DIR     compares DIR/result<i>.npy (kiln-run --save-dir) with
                                         the expected kernels, spectrum and trace
    ntk_golden.py vectors DIR            writes the vectors v [5] and vf [5, 3] as DIR/<name>.npy
    ntk_golden.py products GOLDEN DIR    compares DIR/result<i>.npy with the golden traced, full
                                         and summed kernels times v, vf and v
"""
import json
import math
import sys

from npyio import flatten, read_npy, write_npy

ORDER = ["trace", "full", "sum", "eigenvalues", "kernel_trace", "condition_number"]


def check(name, got_path, expected, shape, tolerance):
    """Prints PASS or FAIL for one result against its expected values; returns 1 on FAIL."""
    got, got_shape = read_npy(got_path)
    scale = max(1.0, max(abs(v) for v in expected))
    error = max(abs(a - b) for a, b in zip(got, expected)) / scale
    ok = got_shape == shape and error <= tolerance
    print(f"{'PASS' if ok else 'FAIL'} {name} {shape}: max error {error:.3g} "
          f"(relative to {scale:.3g})")
    return 0 if ok else 1


def vectors():
    """Fixed, non-symmetric vectors: v [5] and vf [5, 3] (row-major)."""
    v = [math.sin(1.0 + i) for i in range(5)]
    vf = [math.cos(0.7 * i) - 0.3 for i in range(15)]
    return v, vf


def products(golden, directory):
    v, vf = vectors()
    failed = 0
    for i, (name, vector) in enumerate([("trace", v), ("full", vf), ("sum", v)]):
        kernel, shape = flatten(golden["expected"][name])
        m = len(vector)
        expected = [sum(kernel[r * m + c] * vector[c] for c in range(m)) for r in range(m)]
        failed += check(f"{name} kernel times vector", f"{directory}/result{i}.npy", expected,
                        shape[:2] if name == "full" else shape[:1], golden["tolerance"])
    print(f"{failed} failed")
    return 1 if failed else 0


def main():
    if sys.argv[1] == "vectors":
        v, vf = vectors()
        write_npy(f"{sys.argv[2]}/v.npy", v, [5])
        write_npy(f"{sys.argv[2]}/vf.npy", vf, [5, 3])
        return 0
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
    if mode == "products":
        return products(golden, directory)
    failed = 0
    for i, name in enumerate(ORDER):
        expected, shape = flatten(golden["expected"][name])
        failed += check(name, f"{directory}/result{i}.npy", expected, shape, golden["tolerance"])
    print(f"{failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
