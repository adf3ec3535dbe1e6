#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes test/e2e/golden/transport.json: entropic optimal transport goldens from OTT-JAX,
cross-checked with POT.

What it produces
    One JSON file that test/unit/runtime/OptimalTransportGoldenTest.cpp replays through
    kiln::rt::solveSinkhorn, mongeGap and sinkhornDivergence
    (kiln/runtime/regularizers/OptimalTransport.h). The tests only read the file; they never
    run this script, so neither JAX, OTT nor POT is needed to test Kiln.

    Top level: "generator" (this script and the exact versions of ott-jax, jax, jaxlib, POT,
    numpy and Python), "tolerance" (what the test compares with) and "cases". Each case
    holds
      - name, kind ("sinkhorn", "monge_gap" or "sinkhorn_divergence"), cost ("sqeuclidean":
        ||x - y||^2, OTT's costs.SqEuclidean; "euclidean": ||x - y||, costs.Euclidean),
        epsilon (a number: absolute; null: OTT's default 0.05 * std of the n x m cost
        matrix, ddof = 0), threshold, max_iterations, and the points x [n][d], y [m][d]
        (float64, written so that they read back exactly);
      - "expected", all computed by OTT in float64 (jax_enable_x64):
          value: ent_reg_cost for "sinkhorn" (with reg_ot_cost and ent_reg_cost beside it),
            monge_gap_from_samples for "monge_gap" (mean_i c(x_i, y_i) - ent_reg_cost),
            sinkhorn_divergence(PointCloud, ...) for "sinkhorn_divergence" (uniform weights,
            share_epsilon: reg_ot(x, y) - reg_ot(x, x) / 2 - reg_ot(y, y) / 2);
          epsilon_used: the absolute epsilon (geom.epsilon; for the divergence, that of the
            (x, y) geometry, which all three problems share);
          grad_x, grad_y: jax.grad of value with OTT's defaults for differentiation
            (implicit_diff, hence use_danskin: the envelope theorem, nothing unrolled).
            The value itself comes from a plain evaluation, not from value_and_grad:
            under differentiation OTT 0.6.0's Euclidean cost between a point and itself
            reads sqrt(d) instead of 0 (see run_ott), which would move the divergence;
          converged, iterations: out.converged and out.n_iters (for the divergence, lists
            over the (x, y), (x, x) and (y, y) solves; OTT solves the last two with parallel
            updates and momentum 0.5, as Kiln does, and the test compares all three);
          pot_value ("sinkhorn" and "monge_gap" only): the same value from POT's plan.
        and "source": the library and version behind "expected".

    Every case but one runs to a marginal error below 1e-9 (max_iterations 100000), so the
    values and gradients are those of the converged problem, whatever the solver's details.
    The case "monge_gap_ott_defaults" uses OTT's defaults (threshold 1e-3, at most 2000
    iterations, relative epsilon): its value is that of the iterate where OTT stopped, and
    "iterations", "converged" and "errors" (the L1 marginal error at every check, every 10
    iterations) record where that was; "converged_value" is the same problem solved
    tightly, to which pot_value is compared. The script asserts that the error at the
    stopping check and at the one before are at least 5% away from the threshold (they are
    42% and 24% away), so an implementation with the same update order stops at the same
    iteration despite rounding.

Independent checks (the script fails loudly if one does not hold)
    - POT (ot.sinkhorn(..., method="sinkhorn_log"), run to a marginal error below 1e-12)
      gives the plan P for the cost matrix built here in numpy, and
      ent_reg = <P, C> + eps sum_ij P_ij log P_ij (POT's reg multiplies sum P log P, so
      eps = reg; this is <P, C> - eps H(P) with H(P) = -sum P log P). OTT and POT must
      agree to 1e-7 relative for every "sinkhorn" and "monge_gap" case.
      (Not the divergence: POT's plain alternating Sinkhorn does not reach that on the
      symmetric (x, x) and (y, y) problems within millions of iterations.)
    - Where epsilon is null, OTT's epsilon must equal 0.05 * numpy.std(C) to 1e-12.
    - Every gradient of a tight case must match central differences of the plain value
      (step 1e-5, epsilon held at epsilon_used) to 1e-7 relative (they match to 1.4e-9).
    - The worked example of the Monge gap (source x = [[0, 0], [1, 0], [0, 1]], the map
      T(x) = x + [1, 0] + [[0, 0], [0.1, -0.2], [0.3, 0.1]], eps = 1.0, squared Euclidean
      cost) must give 1.521871738 (to 1e-9) and dM/dy = [[0.125713, 0.157464],
      [-0.200804, 0.043340], [0.075091, -0.200804]] (to 1e-6).

How to run it (from the repository root; rerunnable, deterministic: fixed seeds, CPU)
    python3 -m venv /tmp/venv-ot
    /tmp/venv-ot/bin/pip install "ott-jax[neural]" pot numpy   # [neural]: flax, for ott.neural
    /tmp/venv-ot/bin/python scripts/golden/make_transport_goldens.py   # or --output PATH
    Then rerun KilnRuntimeTests (no rebuild needed: the test reads the file at run time).
"""

import argparse
import importlib.metadata
import json
import os
import sys
import warnings

# CPU only, so the numbers do not depend on whichever accelerator happens to be present.
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import ot  # noqa: E402
from ott.geometry import costs, pointcloud  # noqa: E402
from ott.neural.methods.monge_gap import monge_gap_from_samples  # noqa: E402
from ott.solvers import linear  # noqa: E402
from ott.tools.sinkhorn_divergence import sinkhorn_divergence  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_OUTPUT = os.path.join(REPO, "test", "e2e", "golden", "transport.json")

# What the Kiln test compares with: |kiln - expected| <= TOL * max(1, |expected|).
TOL = 1e-6
# OTT against POT: |ott - pot| <= POT_TOL * max(|ott|, |pot|).
POT_TOL = 1e-7
POT_MAX_ITERATIONS = 400000
# "Tight" cases: converged far below TOL whatever the method.
TIGHT = {"threshold": 1e-9, "max_iterations": 100000}
# OTT's defaults (ott.solvers.linear.sinkhorn.Sinkhorn), for the one case that records them.
OTT_DEFAULTS = {"threshold": 1e-3, "max_iterations": 2000}
# The defaults case's last two error checks must be this factor away from the threshold
# (on the right sides), far beyond what float64 rounding could move them. (Late in a slow
# solve the error falls by only about 6% per check; the inputs were picked to stop early.)
STOP_MARGIN = 1.05
# Central differences of the converged value (f64): the step balances truncation against the
# value's own error (the 1e-9 marginal error); FD_TOL is far below any real gradient error.
FD_STEP = 1e-5
FD_TOL = 1e-7
DEFAULT_EPSILON_SCALE = 0.05  # OTT's DEFAULT_EPSILON_SCALE: epsilon = 0.05 * std(C)

COSTS = {"sqeuclidean": costs.SqEuclidean, "euclidean": costs.Euclidean}


def points(rows, dim, seed, scale=1.0, shift=0.0):
    """Seeded normal draws; float64, so JSON's shortest repr reads back exactly."""
    rng = np.random.default_rng(seed)
    return shift + scale * rng.standard_normal((rows, dim))


def mapped(x, seed, shift, noise):
    """y_i = x_i + shift + noise * N(0, 1): a map's image, so y_i pairs with x_i."""
    rng = np.random.default_rng(seed)
    return x + np.asarray(shift) + noise * rng.standard_normal(x.shape)


# The cases: kinds x costs x {absolute, relative} epsilon, n != m where the kind allows it.
# Scales keep C / eps moderate, so the tight threshold is reached well within 100000
# iterations: at the relative epsilon a map's image with little noise makes the plan nearly
# a permutation, and Sinkhorn then needs far more (hence the noise of the relative cases).
def build_cases():
    cases = []

    def add(name, kind, cost, epsilon, x, y, settings=TIGHT):
        cases.append({"name": name, "kind": kind, "cost": cost, "epsilon": epsilon,
                      "threshold": settings["threshold"],
                      "max_iterations": settings["max_iterations"], "x": x, "y": y})

    add("sinkhorn_sqeuclidean_eps0.5", "sinkhorn", "sqeuclidean", 0.5,
        points(7, 3, 11, 0.7), points(5, 3, 12, 0.7, 0.3))
    add("sinkhorn_euclidean_eps1", "sinkhorn", "euclidean", 1.0,
        points(12, 2, 21), points(9, 2, 22, 1.0, -0.5))
    add("sinkhorn_sqeuclidean_relative", "sinkhorn", "sqeuclidean", None,
        points(20, 4, 31, 0.5), points(13, 4, 32, 0.5, 0.2))
    add("sinkhorn_euclidean_relative", "sinkhorn", "euclidean", None,
        points(6, 5, 41), points(11, 5, 42, 1.0, 0.4))

    x = points(10, 2, 51)
    add("monge_gap_sqeuclidean_eps1", "monge_gap", "sqeuclidean", 1.0,
        x, mapped(x, 52, [0.5, -0.25], 0.3))
    x = points(16, 3, 61, 0.8)
    add("monge_gap_euclidean_eps0.5", "monge_gap", "euclidean", 0.5,
        x, mapped(x, 62, [0.2, 0.0, -0.3], 0.5))
    x = points(32, 5, 71, 0.5)
    add("monge_gap_sqeuclidean_relative", "monge_gap", "sqeuclidean", None,
        x, mapped(x, 72, [0.3, 0.1, 0.0, -0.2, 0.1], 0.8))
    x = points(9, 4, 81)
    add("monge_gap_euclidean_relative", "monge_gap", "euclidean", None,
        x, mapped(x, 82, [1.0, 0.0, 0.0, 0.0], 1.2))

    add("divergence_sqeuclidean_eps1", "sinkhorn_divergence", "sqeuclidean", 1.0,
        points(8, 3, 91), points(12, 3, 92, 1.0, 0.5))
    add("divergence_euclidean_eps0.5", "sinkhorn_divergence", "euclidean", 0.5,
        points(15, 2, 101), points(6, 2, 102, 0.8, -0.3))
    add("divergence_sqeuclidean_relative", "sinkhorn_divergence", "sqeuclidean", None,
        points(25, 3, 111, 0.6), points(40, 3, 112, 0.6, 0.25))
    add("divergence_euclidean_relative", "sinkhorn_divergence", "euclidean", None,
        points(5, 2, 121), points(3, 2, 122, 1.0, 0.5))

    # The worked example of the Monge gap (asserted against the documented numbers below).
    x = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    y = x + np.array([1.0, 0.0]) + np.array([[0.0, 0.0], [0.1, -0.2], [0.3, 0.1]])
    add("monge_gap_worked_example", "monge_gap", "sqeuclidean", 1.0, x, y)

    # OTT's defaults: stops after 70 iterations at a 1e-3 marginal error (290 to 1e-9).
    x = points(24, 3, 131)
    add("monge_gap_ott_defaults", "monge_gap", "sqeuclidean", None,
        x, mapped(x, 132, [0.5, 0.5, 0.0], 0.8), OTT_DEFAULTS)
    return cases


def ott_value_fn(case):
    """(x, y) -> (value, aux) for jax.value_and_grad, aux holding OTT's solve statistics."""
    cost_fn = COSTS[case["cost"]]()
    eps = case["epsilon"]
    solve = {"threshold": case["threshold"], "max_iterations": case["max_iterations"]}
    kind = case["kind"]

    def fn(x, y):
        if kind == "sinkhorn":
            geom = pointcloud.PointCloud(x, y, cost_fn=cost_fn, epsilon=eps)
            out = linear.solve(geom, **solve)
            aux = {"reg_ot_cost": out.reg_ot_cost, "ent_reg_cost": out.ent_reg_cost,
                   "epsilon": geom.epsilon, "converged": out.converged,
                   "iterations": out.n_iters, "errors": out.errors}
            return out.ent_reg_cost, aux
        if kind == "monge_gap":
            value, out = monge_gap_from_samples(x, y, cost_fn=cost_fn, epsilon=eps,
                                                return_output=True, **solve)
            aux = {"epsilon": out.geom.epsilon, "converged": out.converged,
                   "iterations": out.n_iters, "errors": out.errors}
            return value, aux
        value, out = sinkhorn_divergence(pointcloud.PointCloud, x=x, y=y, cost_fn=cost_fn,
                                         epsilon=eps, solve_kwargs=solve)
        aux = {"epsilon": out.geoms[0].epsilon, "converged": jnp.stack(out.converged),
               "iterations": jnp.stack(out.n_iters)}
        return value, aux

    return fn


def run_ott(case):
    """OTT's value and solve statistics from a plain evaluation, its gradients from jax.grad.

    The value is not taken from jax.value_and_grad: under differentiation OTT's Euclidean
    cost between a point and itself reads sqrt(d), not 0 (ott.math.utils.norm's custom JVP
    evaluates its primal at the input with zeros replaced by ones), which moves the
    divergence's value; its gradients are right (that entry's derivative is 0 either way,
    and the finite differences below confirm them)."""
    fn = ott_value_fn(case)
    x = jnp.asarray(case["x"], dtype=jnp.float64)
    y = jnp.asarray(case["y"], dtype=jnp.float64)
    value, aux = jax.jit(fn)(x, y)
    gx, gy = jax.jit(jax.grad(lambda x, y: fn(x, y)[0], argnums=(0, 1)))(x, y)
    aux = jax.tree_util.tree_map(np.asarray, aux)
    return float(value), aux, np.asarray(gx), np.asarray(gy)


def max_fd_deviation(case, epsilon, gx, gy):
    """Largest |OTT gradient - central difference of the plain value| over all coordinates,
    relative to max(1, |difference|): an independent check of jax.grad through OTT. Epsilon
    is held at the case's absolute value: a relative epsilon's statistic is a constant for
    the gradients (OTT's stop_gradient, Kiln's too)."""
    fn = ott_value_fn(dict(case, epsilon=epsilon))
    value = jax.jit(lambda x, y: fn(x, y)[0])
    pts = [np.array(case["x"], dtype=np.float64), np.array(case["y"], dtype=np.float64)]
    worst = 0.0
    for which, grad in ((0, gx), (1, gy)):
        for idx in np.ndindex(pts[which].shape):
            saved = pts[which][idx]
            pts[which][idx] = saved + FD_STEP
            up = float(value(*pts))
            pts[which][idx] = saved - FD_STEP
            down = float(value(*pts))
            pts[which][idx] = saved
            numeric = (up - down) / (2 * FD_STEP)
            worst = max(worst, abs(grad[idx] - numeric) / max(1.0, abs(numeric)))
    return worst


def cost_matrix(x, y, cost):
    """C built here in numpy, independently of OTT's PointCloud."""
    sq = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
    return sq if cost == "sqeuclidean" else np.sqrt(sq)


def pot_ent_reg(x, y, cost, epsilon):
    """ent_reg_cost from POT's plan: <P, C> + eps sum P log P (= <P, C> - eps H(P))."""
    n, m = len(x), len(y)
    c = cost_matrix(x, y, cost)
    a, b = np.full(n, 1.0 / n), np.full(m, 1.0 / m)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Sinkhorn did not converge" must not pass silently
        plan = ot.sinkhorn(a, b, c, epsilon, method="sinkhorn_log", stopThr=1e-12,
                           numItermax=POT_MAX_ITERATIONS)
    # 0 log 0 = 0: entries that underflowed contribute nothing.
    plogp = np.where(plan > 0, plan * np.log(np.where(plan > 0, plan, 1.0)), 0.0)
    return float((plan * c).sum() + epsilon * plogp.sum())


def pot_value(case, epsilon):
    """A "sinkhorn" or "monge_gap" case's value from POT's plan. (Not the divergence: POT's
    plain alternating Sinkhorn does not reach 1e-12 on its symmetric (x, x) and (y, y)
    problems within millions of iterations; OTT averages those updates.)"""
    x, y, cost = np.asarray(case["x"]), np.asarray(case["y"]), case["cost"]
    if case["kind"] == "sinkhorn":
        return pot_ent_reg(x, y, cost, epsilon)
    pair_cost = np.diagonal(cost_matrix(x, y, cost)).mean()
    return float(pair_cost - pot_ent_reg(x, y, cost, epsilon))


def check(condition, message):
    if not condition:
        sys.exit(f"make_transport_goldens.py: FAILED: {message}")


def rows(a):
    return [[float(v) for v in r] for r in np.asarray(a)]


expected_fd = {}  # case name -> finite-difference deviation, for the summary


def solve_case(case):
    value, aux, gx, gy = run_ott(case)
    name = case["name"]
    eps_used = float(aux["epsilon"])
    if case["epsilon"] is None:
        # The relative default must be 0.05 * numpy's std (ddof = 0) over all n x m entries.
        c = cost_matrix(case["x"], case["y"], case["cost"])
        want = DEFAULT_EPSILON_SCALE * float(np.std(c))
        check(abs(eps_used - want) <= 1e-12 * want, f"{name}: epsilon {eps_used} != {want}")
    else:
        check(eps_used == case["epsilon"], f"{name}: epsilon {eps_used}")
    check(np.all(np.isfinite(gx)) and np.all(np.isfinite(gy)), f"{name}: non-finite gradient")

    divergence = case["kind"] == "sinkhorn_divergence"
    converged = [bool(v) for v in np.atleast_1d(aux["converged"])]
    iterations = [int(v) for v in np.atleast_1d(aux["iterations"])]
    expected = {"value": value}
    if case["kind"] == "sinkhorn":
        expected["ent_reg_cost"] = float(aux["ent_reg_cost"])
        expected["reg_ot_cost"] = float(aux["reg_ot_cost"])
    expected.update({
        "epsilon_used": eps_used,
        "grad_x": rows(gx),
        "grad_y": rows(gy),
        "converged": converged if divergence else converged[0],
        "iterations": iterations if divergence else iterations[0],
    })

    if case["threshold"] == TIGHT["threshold"]:
        check(all(converged), f"{name}: OTT did not converge ({iterations} iterations)")
        reference = value
        # Tight cases only: at the defaults' 1e-3 the envelope gradient is that of the
        # iterate, not the derivative of the value.
        fd = max_fd_deviation(case, eps_used, gx, gy)
        check(fd <= FD_TOL, f"{name}: gradients off finite differences by {fd:.2e}")
        expected_fd[name] = fd
    else:
        # The defaults case: record OTT's error checks, make sure the stop is not a coin
        # toss, and compare POT with the tightly solved problem instead.
        errors = [float(e) for e in aux["errors"] if e != -1]
        thr = case["threshold"]
        check(len(errors) >= 2, f"{name}: stopped at the first check")
        check(errors[-1] < thr / STOP_MARGIN and errors[-2] > thr * STOP_MARGIN,
              f"{name}: errors {errors[-2:]} too close to the threshold {thr}")
        expected["errors"] = errors
        tight_case = dict(case, **TIGHT)
        reference, tight_aux, _, _ = run_ott(tight_case)
        check(bool(tight_aux["converged"]), f"{name}: tight re-solve did not converge")
        expected["converged_value"] = reference

    if not divergence:
        pot = pot_value(case, eps_used)
        rel = abs(reference - pot) / max(abs(reference), abs(pot))
        check(rel <= POT_TOL, f"{name}: OTT {reference!r} and POT {pot!r} differ by {rel:.2e}")
        expected["pot_value"] = pot

    if name == "monge_gap_worked_example":
        check(abs(value - 1.521871738) <= 1e-9, f"{name}: Monge gap {value!r}")
        want = np.array([[0.125713, 0.157464], [-0.200804, 0.043340], [0.075091, -0.200804]])
        check(np.max(np.abs(gy - want)) <= 1e-6, f"{name}: dM/dy {gy.tolist()}")

    out = {key: case[key] for key in ("name", "kind", "cost", "epsilon", "threshold",
                                      "max_iterations")}
    out["x"], out["y"] = rows(case["x"]), rows(case["y"])
    out["expected"] = expected
    out["source"] = f"ott-jax {version('ott-jax')}"
    return out


def version(package):
    return importlib.metadata.version(package)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--output", default=DEFAULT_OUTPUT)
    args = ap.parse_args()

    cases = [solve_case(case) for case in build_cases()]
    doc = {
        "generator": {
            "script": "scripts/golden/make_transport_goldens.py",
            "ott-jax": version("ott-jax"),
            "jax": version("jax"),
            "jaxlib": version("jaxlib"),
            "pot": version("pot"),
            "numpy": version("numpy"),
            "python": sys.version.split()[0],
            "precision": "float64 (jax_enable_x64), CPU",
        },
        "tolerance": {"relative": TOL, "scale": "max(1, |expected|)"},
        "cases": cases,
    }
    text = json.dumps(doc, indent=1) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w") as f:
        f.write(text)
    for c in cases:
        e = c["expected"]
        fd = expected_fd.get(c["name"])
        print(f"{c['name']:34s} value {e['value']: .12g}  eps {e['epsilon_used']:.6g}  "
              f"iterations {e['iterations']}  converged {e['converged']}  "
              f"grad vs FD {'-' if fd is None else f'{fd:.1e}'}")
    print(f"wrote {args.output} ({len(text)} bytes)")


if __name__ == "__main__":
    main()
