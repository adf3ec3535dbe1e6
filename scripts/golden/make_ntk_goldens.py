#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes test/e2e/golden/ntk.json: empirical NTK goldens from neural-tangents.

What it produces
    One JSON file that test/e2e/ntk-golden.test replays: it compiles
    test/e2e/Inputs/ntk-mlp.mlir (kiln.ntk and kiln.ntk_spectrum on the model below), runs it
    on the parameters and inputs stored here, and compares what it returns with "expected"
    (test/e2e/Inputs/ntk_golden.py). The test only reads the file; it never runs this script,
    so neither JAX nor neural-tangents is needed to test Kiln.

    The model: f(x) = tanh(x W1 + b1) W2 + b2, x [N, D] = [5, 4], hidden 6, K = 3 logits,
    in float64 (jax_enable_x64), parameters theta = (W1, b1, W2, b2).
    "expected" holds, all from neural-tangents' empirical_ntk_fn (implementation
    NtkImplementation.JACOBIAN_CONTRACTION, vmap_axes=0):
      trace: trace_axes=(-1,), [N, N] (the logit axis contracted and divided by K);
      full:  trace_axes=(), transposed from neural-tangents' [N, N, K, K] to Kiln's
             [N, K, N, K] (so that it is the [N K, N K] matrix of all Jacobian rows);
      sum:   trace_axes=() of the model with its logits summed (TE-NAS' kernel), [N, N];
      eigenvalues (ascending, numpy.linalg.eigvalsh), trace and condition number
      (lambda_max / lambda_min) of "trace".
    "generator" records this script and the versions used.

How to run it (from the repository root; needs pip's neural-tangents, which pins an older
jax: neural-tangents 0.6.5 works with jax 0.4.30)
    python3 -m venv /tmp/venv-nt && /tmp/venv-nt/bin/pip install neural-tangents==0.6.5 \\
        jax==0.4.30 jaxlib==0.4.30
    /tmp/venv-nt/bin/python scripts/golden/make_ntk_goldens.py
"""
import json
import os
import platform

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import neural_tangents as nt  # noqa: E402
import numpy as np  # noqa: E402

N, D, H, K = 5, 4, 6, 3
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "e2e",
                   "golden", "ntk.json")


def model(params, x):
    w1, b1, w2, b2 = params
    return jnp.tanh(x @ w1 + b1) @ w2 + b2


def main():
    rng = np.random.default_rng(20261203)
    params = (rng.normal(0, 0.6, (D, H)), rng.normal(0, 0.3, (H,)),
              rng.normal(0, 0.5, (H, K)), rng.normal(0, 0.3, (K,)))
    x = rng.normal(0, 1.0, (N, D))
    impl = nt.NtkImplementation.JACOBIAN_CONTRACTION
    traced = nt.empirical_ntk_fn(model, trace_axes=(-1,), vmap_axes=0, implementation=impl)
    full = nt.empirical_ntk_fn(model, trace_axes=(), vmap_axes=0, implementation=impl)

    def summed(p, xs):
        return jnp.sum(model(p, xs), axis=-1, keepdims=True)

    summed_ntk = nt.empirical_ntk_fn(summed, trace_axes=(), vmap_axes=0, implementation=impl)
    theta = np.asarray(traced(x, None, params))
    theta_full = np.asarray(full(x, None, params)).transpose(0, 2, 1, 3)
    theta_sum = np.asarray(summed_ntk(x, None, params))[:, :, 0, 0]
    eig = np.linalg.eigvalsh(theta)
    golden = {
        "generator": {
            "script": "scripts/golden/make_ntk_goldens.py",
            "neural_tangents": nt.__version__,
            "jax": jax.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "shapes": {"N": N, "D": D, "H": H, "K": K},
        "tolerance": 1e-10,
        "params": {"w1": params[0].tolist(), "b1": params[1].tolist(),
                   "w2": params[2].tolist(), "b2": params[3].tolist()},
        "x": x.tolist(),
        "expected": {
            "trace": theta.tolist(),
            "full": theta_full.tolist(),
            "sum": theta_sum.tolist(),
            "eigenvalues": eig.tolist(),
            "kernel_trace": float(np.trace(theta)),
            "condition_number": float(eig[-1] / eig[0]),
        },
    }
    with open(OUT, "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print("wrote", os.path.relpath(OUT), "condition number", eig[-1] / eig[0])


if __name__ == "__main__":
    main()
