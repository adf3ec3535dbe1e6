#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes test/e2e/golden/frugal.json: FRUGAL steps computed by the reference rules in Python.

What it produces
    Five configurations of kiln.frugal, one per projection ("columns", "rows",
    "coordinates") and two for "svd" (GaLore's projector, on the right of a tall matrix and
    on the left of a wide one), and three of kiln.frugal_blocks (block orders "ascending",
    "descending", "random"), each with a state-full rule (AdamW or momentum) and a
    state-free one (signSGD or SGD), a small update gap so that re-selection happens several
    times, and every step's parameters, state, subspace (projector, active list), step
    counter and key, in float64. test/e2e/frugal.test replays them through compiled programs
    with `kiln-frugal-check`, which needs only this file.

The rules
    docs/algorithms.md §2 (the reference FRUGAL code, commit c7ebe4c), written out here
    element by element in plain Python floats, independently of the C++ kernel:
      - re-selection at the first step and whenever the step counter has reached the gap:
        a new subspace from the key (which then advances), zero state, step counter 0;
      - decoupled weight decay p *= 1 - lr * wd on every coordinate;
      - step += 1; AdamW with bias correction (eps after bias-correcting sqrt(v)) or
        heavy-ball momentum on the subspace; signSGD or SGD at lr * free_lr_scale elsewhere.
    Kiln's subspace draw (the first k entries of a Fisher-Yates shuffle driven by
    Philox4x32-10 on the key, then sorted) is Kiln's own choice: the reference uses
    torch.randperm. It is reimplemented here from its description (Abi.h, Frugal.td).

    "svd" (the reference's GaloreOptimizer, proj_side "std"): at re-selection (step 0 on
    entry, or the step counter at the gap) the projector comes from numpy's SVD of the
    current gradient, g = U diag(S) Vh (full_matrices=False). rows >= cols: r =
    round(cols * density), P = Vh[:r] ([r, cols]), gd = g P^T, up(u) = u P, state [rows, r];
    otherwise r = round(rows * density), P = U[:, :r] ([rows, r]), gd = P^T g, up(u) = P u,
    state [r, cols]. Adam(W) or momentum runs on gd, and the state-free rule on the residual
    g - up(gd); the key is never used. Each singular vector is defined up to its sign, so
    the checker compares P and m (whose columns or rows flip with it) by absolute value;
    p, v and the step counter do not depend on the signs. The gradients are built as
    U diag(S) V^T with well separated singular values (ratio 0.6), so the projector is well
    conditioned, and the generator asserts that no residual coordinate is so small that
    signSGD's sign could depend on rounding.

    kiln.frugal_blocks (the reference's BlockOptimizer): of N tensors, k = round(N *
    density) (Python's round, half to even) are state-full. Re-selection (step 0 on entry,
    or the step counter at the gap) zeroes both pools, restarts the step counter and picks
    `active`: "ascending" starts at 0, then at (active[0] + k) mod N, and takes start,
    start + 1, ... (mod N); "descending" starts at N - 1, then (active[0] - k) mod N, and
    takes start, start - 1, ... (mod N); "random" draws the sorted subset above from the
    key, which then advances (only this order uses the key). The state of active[j] sits in
    the pools right after that of active[0 .. j), in that order; the pools are as long as
    the verifier's rule (the k largest tensors for "random", the largest window visited for
    the cyclic orders) and the rest of them stays zero. Then every tensor decays, the one
    shared step counter advances, active tensors take Adam(W) or momentum with it as the
    bias-correction count, and the others the state-free rule.

How to run it (from the repository root; deterministic; needs numpy for the SVD cases)
    python3 scripts/golden/make_frugal_goldens.py [--output PATH]
"""
import argparse
import json
import math
import os

import numpy as np

M32 = 0xFFFFFFFF
SUBSPACE_STREAM = 0x46525547  # "FRUG"


def philox4x32(counter, key):
    c = list(counter)
    k0, k1 = key
    for _ in range(10):
        p0 = 0xD2511F53 * c[0]
        p1 = 0xCD9E8D57 * c[2]
        c = [((p1 >> 32) ^ c[1] ^ k0) & M32, p1 & M32, ((p0 >> 32) ^ c[3] ^ k1) & M32, p0 & M32]
        k0 = (k0 + 0x9E3779B9) & M32
        k1 = (k1 + 0xBB67AE85) & M32
    return c


def draw_subspace(n, k, key):
    perm = list(range(n))
    for i in range(k):
        w = philox4x32([i & M32, i >> 32, SUBSPACE_STREAM, 0], [key & M32, (key >> 32) & M32])
        r = (w[0] << 32) | w[1]
        j = i + r % (n - i)
        perm[i], perm[j] = perm[j], perm[i]
    return sorted(perm[:k])


def sign(x):
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


def update(cfg, s, p, g, m, v, at):
    """One coordinate's FRUGAL step: decoupled decay, then AdamW or momentum on state slot
    `at` (bias-correction count s), or the state-free rule when `at` is None."""
    lr, b1, b2, eps = cfg["lr"], cfg["beta1"], cfg["beta2"], cfg["eps"]
    p *= 1 - lr * cfg["weight_decay"]
    if at is None:
        d = sign(g) if cfg["state_free"] == "sign_sgd" else g
        return p - lr * cfg["free_lr_scale"] * d
    if cfg["state_full"] == "adamw":
        m[at] = b1 * m[at] + (1 - b1) * g
        v[at] = b2 * v[at] + (1 - b2) * g * g
        denom = math.sqrt(v[at]) / math.sqrt(1 - b2 ** s) + eps
        return p - lr / (1 - b1 ** s) * m[at] / denom
    m[at] = b1 * m[at] + g
    return p - lr * m[at]


def run(cfg):
    rows, cols = cfg["rows"], cfg["cols"]
    n = rows * cols
    proj = cfg["projection"]
    span = cols if proj == "columns" else rows if proj == "rows" else n
    k = int(span * cfg["density"])
    state_size = rows * k if proj == "columns" else k * cols if proj == "rows" else k
    p = [math.cos(0.7 * i + 0.3) for i in range(n)]
    m = [0.0] * state_size
    v = [0.0] * (state_size if cfg["state_full"] == "adamw" else 0)
    sub = [-1] * k
    step, key = 0, cfg["key"]
    initial = {"param": p[:], "exp_avg": m[:], "exp_avg_sq": v[:], "subspace": sub[:],
               "step": step, "key": key}
    steps = []
    for t in range(cfg["steps"]):
        g = [math.sin(1.3 * i + 2.1 * t + 0.5) * (0.0 if (i + t) % 7 == 0 else 1.0)
             for i in range(n)]
        if k > 0 and (sub[0] < 0 or step >= cfg["update_gap"]):
            sub = draw_subspace(span, k, key)
            key += 1
            m = [0.0] * len(m)
            v = [0.0] * len(v)
            step = 0
        step += 1
        s = step
        # Where each coordinate's state lives, or None for state-free ones.
        def slot(i):
            r, c = divmod(i, cols)
            if proj == "columns":
                return r * k + sub.index(c) if c in sub else None
            if proj == "rows":
                return sub.index(r) * cols + c if r in sub else None
            return sub.index(i) if i in sub else None
        for i in range(n):
            p[i] = update(cfg, s, p[i], g[i], m, v, slot(i))
        steps.append({"grad": g, "param": p[:], "exp_avg": m[:], "exp_avg_sq": v[:],
                      "subspace": sub[:], "step": step, "key": key})
    return {"config": cfg, "k": k, "initial": initial, "steps": steps}


CONFIGS = [
    dict(name="columns_adamw_signsgd", shape=[3, 5], rows=3, cols=5, projection="columns",
         density=0.4, update_gap=2, state_full="adamw", state_free="sign_sgd", lr=1e-2,
         beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.1, free_lr_scale=1.0, key=42, steps=5),
    dict(name="rows_momentum_sgd", shape=[4, 3], rows=4, cols=3, projection="rows",
         density=0.5, update_gap=3, state_full="momentum", state_free="sgd", lr=5e-2,
         beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, free_lr_scale=0.5, key=7, steps=7),
    dict(name="coordinates_adamw_sgd", shape=[2, 3, 2], rows=1, cols=12,
         projection="coordinates", density=0.25, update_gap=2, state_full="adamw",
         state_free="sgd", lr=3e-2, beta1=0.8, beta2=0.99, eps=1e-6, weight_decay=0.01,
         free_lr_scale=0.1, key=123456789012, steps=5),
]


def svd_gradient(rows, cols, t):
    """U diag(S) V^T for fixed orthonormal U, V (QR of smooth non-separable patterns) and
    singular values 3 * 0.6^i, modulated with t: distinct and well separated."""
    n = min(rows, cols)
    a = np.array([[math.sin(0.9 * i * j + 1.7 * i + 0.4 * j * j + 1.3 * t + 0.5)
                   for j in range(n)] for i in range(rows)])
    b = np.array([[math.cos(0.7 * i * j + 0.3 * i * i + 1.1 * j + 0.9 * t + 0.2)
                   for j in range(n)] for i in range(cols)])
    u, _ = np.linalg.qr(a)
    w, _ = np.linalg.qr(b)
    s = np.array([3.0 * 0.6 ** i * (1 + 0.1 * math.sin(t + i)) for i in range(n)])
    return (u * s) @ w.T


def run_svd(cfg):
    rows, cols = cfg["rows"], cfg["cols"]
    right = rows >= cols
    r = round((cols if right else rows) * cfg["density"])
    state_shape = (rows, r) if right else (r, cols)
    sub_shape = (r, cols) if right else (rows, r)
    adam = cfg["state_full"] == "adamw"
    p = np.array([math.cos(0.7 * i + 0.3) for i in range(rows * cols)]).reshape(rows, cols)
    m = np.zeros(state_shape)
    v = np.zeros(state_shape if adam else (0,))
    proj = np.zeros(sub_shape)
    step, key = 0, cfg["key"]
    flat = lambda x: [float(e) for e in x.reshape(-1)]
    initial = {"param": flat(p), "exp_avg": flat(m), "exp_avg_sq": flat(v),
               "subspace": flat(proj), "step": step, "key": key}
    lr, b1, b2, eps, wd = cfg["lr"], cfg["beta1"], cfg["beta2"], cfg["eps"], cfg["weight_decay"]
    down = (lambda x: x @ proj.T) if right else (lambda x: proj.T @ x)
    up = (lambda x: x @ proj) if right else (lambda x: proj @ x)
    steps = []
    for t in range(cfg["steps"]):
        g = svd_gradient(rows, cols, t)
        if step == 0 or step >= cfg["update_gap"]:
            u_, sv, vh = np.linalg.svd(g, full_matrices=False)
            assert np.all(-np.diff(sv) > 0.05 * sv[0]), sv
            proj = vh[:r, :].copy() if right else u_[:, :r].copy()
            m = np.zeros_like(m)
            v = np.zeros_like(v)
            step = 0
        p = p * (1 - lr * wd)
        step += 1
        s = step
        gd = down(g)
        if adam:
            m = b1 * m + (1 - b1) * gd
            v = b2 * v + (1 - b2) * gd * gd
            u = -(lr / (1 - b1 ** s)) * m / (np.sqrt(v) / math.sqrt(1 - b2 ** s) + eps)
        else:
            m = b1 * m + gd
            u = -lr * m
        res = g - up(gd)
        if cfg["state_free"] == "sign_sgd":
            # The sign of a residual coordinate must not hinge on rounding.
            assert np.abs(res).min() > 1e-6, np.abs(res).min()
            free = np.sign(res)
        else:
            free = res
        p = p + up(u) - lr * cfg["free_lr_scale"] * free
        steps.append({"grad": flat(g), "param": flat(p), "exp_avg": flat(m),
                      "exp_avg_sq": flat(v), "subspace": flat(proj), "step": step, "key": key})
    return {"config": cfg, "k": r, "initial": initial, "steps": steps}


SVD_CONFIGS = [
    dict(name="svd_right_adamw_signsgd", shape=[6, 4], rows=6, cols=4, projection="svd",
         density=0.5, update_gap=2, state_full="adamw", state_free="sign_sgd", lr=1e-2,
         beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.1, free_lr_scale=1.0, key=99, steps=5),
    # r = round(5 * 0.5) = 2: Python's half-to-even rounding, as the verifier's.
    dict(name="svd_left_momentum_sgd", shape=[5, 7], rows=5, cols=7, projection="svd",
         density=0.5, update_gap=3, state_full="momentum", state_free="sgd", lr=5e-2,
         beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, free_lr_scale=0.5, key=3, steps=7),
]


def blocks_pool(sizes, k, order):
    """The verifier's pool size (Frugal.cpp poolSize), written out again."""
    n = len(sizes)
    if k == 0:
        return 0
    if order == "random":
        return sum(sorted(sizes, reverse=True)[:k])
    best, start = 0, 0 if order == "ascending" else n - 1
    for _ in range(n):
        d = 1 if order == "ascending" else -1
        best = max(best, sum(sizes[(start + d * j) % n] for j in range(k)))
        start = (start + d * k) % n
    return best


def run_blocks(cfg):
    shapes = cfg["shapes"]
    sizes = [math.prod(s) for s in shapes]
    n = len(shapes)
    k = round(n * cfg["density"])
    order = cfg["block_order"]
    pool = blocks_pool(sizes, k, order)
    adam = cfg["state_full"] == "adamw"
    ps = [[math.cos(0.7 * i + 0.3 + 1.9 * j) for i in range(size)] for j, size in enumerate(sizes)]
    m = [0.0] * pool
    v = [0.0] * (pool if adam else 0)
    active = [-1] * k
    step, key = 0, cfg["key"]
    initial = {"params": [x[:] for x in ps], "exp_avg": m[:], "exp_avg_sq": v[:],
               "active": active[:], "step": step, "key": key}
    steps = []
    for t in range(cfg["steps"]):
        gs = [[math.sin(1.3 * i + 2.1 * t + 0.5 + 0.8 * j) *
               (0.0 if (i + t + j) % 7 == 0 else 1.0) for i in range(size)]
              for j, size in enumerate(sizes)]
        if step == 0 or step >= cfg["update_gap"]:
            first = step == 0
            if order == "ascending":
                start = 0 if first else (active[0] + k) % n
                active = [(start + j) % n for j in range(k)]
            elif order == "descending":
                start = n - 1 if first else (active[0] - k) % n
                active = [(start - j) % n for j in range(k)]
            else:
                active = draw_subspace(n, k, key)
                key += 1
            m = [0.0] * len(m)
            v = [0.0] * len(v)
            step = 0
        step += 1
        s = step
        offset = {}
        at = 0
        for a in active:
            offset[a] = at
            at += sizes[a]
        assert at <= pool
        for j in range(n):
            p, g = ps[j], gs[j]
            for i in range(sizes[j]):
                p[i] = update(cfg, s, p[i], g[i], m, v, offset[j] + i if j in offset else None)
        steps.append({"grads": gs, "params": [x[:] for x in ps], "exp_avg": m[:],
                      "exp_avg_sq": v[:], "active": active[:], "step": step, "key": key})
    return {"config": cfg, "k": k, "pool": pool, "initial": initial, "steps": steps}


# Five tensors at density 0.5: k = round(2.5) = 2 (half to even), and the cyclic orders wrap
# around (ascending visits [0, 1], [2, 3], [4, 0], [1, 2]; descending [4, 3], [2, 1], [0, 4]).
BLOCK_SHAPES = [[2, 3], [5], [3, 2], [4], [3]]
BLOCKS_CONFIGS = [
    dict(name="blocks_ascending_adamw_signsgd", shapes=BLOCK_SHAPES, block_order="ascending",
         density=0.5, update_gap=2, state_full="adamw", state_free="sign_sgd", lr=1e-2,
         beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.1, free_lr_scale=1.0, key=5, steps=7),
    dict(name="blocks_descending_momentum_sgd", shapes=BLOCK_SHAPES, block_order="descending",
         density=0.5, update_gap=3, state_full="momentum", state_free="sgd", lr=5e-2,
         beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, free_lr_scale=0.5, key=8, steps=7),
    dict(name="blocks_random_adamw_sgd", shapes=BLOCK_SHAPES, block_order="random",
         density=0.5, update_gap=2, state_full="adamw", state_free="sgd", lr=3e-2, beta1=0.8,
         beta2=0.99, eps=1e-6, weight_decay=0.01, free_lr_scale=0.1, key=0x123456789ABCDEF,
         steps=7),
]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "..", "test", "e2e", "golden", "frugal.json")
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", default=os.path.normpath(default))
    args = parser.parse_args()
    cases = ([run(c) for c in CONFIGS] + [run_svd(c) for c in SVD_CONFIGS] +
             [run_blocks(c) for c in BLOCKS_CONFIGS])
    with open(args.output, "w") as f:
        json.dump({"generator": "scripts/golden/make_frugal_goldens.py", "cases": cases}, f,
                  indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {args.output}")


if __name__ == "__main__":
    main()
