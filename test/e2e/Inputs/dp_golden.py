#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Replays test/e2e/golden/dp.json and dp-cnn.json (standard library only):
    dp_golden.py inputs GOLDEN DIR   writes the parameters, batch, sample weights and key of
                                     the program's @step (test/e2e/Inputs/dp-mlp.mlir,
                                     dp-cnn.mlir) as DIR/<name>.npy
    dp_golden.py compare GOLDEN DIR  compares DIR/result<i>.npy (kiln-run --save-dir) with
                                     the golden norms, sums, aggregate and DiceSGD steps (the
                                     steps where the golden has them)
The parameters are the golden's "params" in their order, which is @step's. With --f64 the
inputs are float64, only the loss, norms and sums are compared (the f64 programs return no
mechanism), and the tolerance is 1e-12: the same numbers without f32 rounding.
"""
import json
import sys

from npyio import flatten, read_npy, write_npy


def expected_results(golden, params, f64):
    """(name, values) in @step's result order."""
    e = golden["expected"]
    out = [("loss", e["loss"]), ("norms", e["norms"])]
    for group in ["clipped", "unclipped"] + ([] if f64 else ["aggregate"]):
        out += [(f"{group}.{p}", e[group][p]) for p in params]
    for t, step in enumerate([] if f64 else e.get("dice", [])):
        for group in ["updates", "errors"]:
            out += [(f"dice{t + 1}.{group}.{p}", step[group][p]) for p in params]
    return out


def main():
    mode, golden_path, directory = sys.argv[1:4]
    f64 = "--f64" in sys.argv[4:]
    real = "<f8" if f64 else "<f4"
    golden = json.load(open(golden_path))
    params = list(golden["params"])
    if mode == "inputs":
        for name in params:
            write_npy(f"{directory}/{name}.npy", *flatten(golden["params"][name]), descr=real)
        write_npy(f"{directory}/x.npy", *flatten(golden["x"]), descr=real)
        write_npy(f"{directory}/y.npy", *flatten(golden["y"]), descr="<i8")
        write_npy(f"{directory}/weights.npy", *flatten(golden["weights"]), descr=real)
        write_npy(f"{directory}/key.npy", [7], [], descr="<i8")
        return 0
    # Opacus' DPOptimizer gradient is the aggregate (the generator asserted it); compare
    # Kiln with it as well, so that the file's claim is checked here too.
    for p in params:
        a, _ = flatten(golden["expected"]["aggregate"][p])
        o, _ = flatten(golden["expected"]["opacus"][p])
        assert max(abs(x - y) for x, y in zip(a, o)) < 1e-12, p
    tolerance = 1e-12 if f64 else golden["tolerance"]
    failed = 0
    for i, (name, value) in enumerate(expected_results(golden, params, f64)):
        expected, shape = flatten(value)
        got, got_shape = read_npy(f"{directory}/result{i}.npy")
        scale = max(1.0, max(abs(v) for v in expected))
        error = max(abs(a - b) for a, b in zip(got, expected)) / scale
        ok = got_shape == shape and error <= tolerance
        failed += not ok
        print(f"{'PASS' if ok else 'FAIL'} {name} {shape}: max error {error:.3g}")
    print(f"{failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
