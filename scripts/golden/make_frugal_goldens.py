#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes test/e2e/golden/frugal.json: FRUGAL steps computed by the reference rules in Python.

What it produces
    Three configurations of kiln.frugal, one per projection ("columns", "rows",
    "coordinates"), each with a state-full rule (AdamW or momentum) and a state-free one
    (signSGD or SGD), a small update gap so that re-selection happens several times, and
    every step's parameter, state, subspace, step counter and key, in float64. test/e2e/
    frugal.test replays them through compiled programs with `kiln-frugal-check`, which needs
    only this file.

The rules
    ALGORITHMS.md section 2 (the reference FRUGAL code, commit c7ebe4c), written out here
    element by element in plain Python floats, independently of the C++ kernel:
      - re-selection at the first step and whenever the step counter has reached the gap:
        a new subspace from the key (which then advances), zero state, step counter 0;
      - decoupled weight decay p *= 1 - lr * wd on every coordinate;
      - step += 1; AdamW with bias correction (eps after bias-correcting sqrt(v)) or
        heavy-ball momentum on the subspace; signSGD or SGD at lr * free_lr_scale elsewhere.
    Kiln's subspace draw (the first k entries of a Fisher-Yates shuffle driven by
    Philox4x32-10 on the key, then sorted) is Kiln's own choice: the reference uses
    torch.randperm. It is reimplemented here from its description (Abi.h, Frugal.td).

How to run it (from the repository root; deterministic; no packages needed)
    python3 scripts/golden/make_frugal_goldens.py [--output PATH]
"""
import argparse
import json
import math
import os

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
    lr, b1, b2, eps, wd = cfg["lr"], cfg["beta1"], cfg["beta2"], cfg["eps"], cfg["weight_decay"]
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
            p[i] *= 1 - lr * wd
            at = slot(i)
            if at is not None:
                if cfg["state_full"] == "adamw":
                    m[at] = b1 * m[at] + (1 - b1) * g[i]
                    v[at] = b2 * v[at] + (1 - b2) * g[i] * g[i]
                    denom = math.sqrt(v[at]) / math.sqrt(1 - b2 ** s) + eps
                    p[i] -= lr / (1 - b1 ** s) * m[at] / denom
                else:
                    m[at] = b1 * m[at] + g[i]
                    p[i] -= lr * m[at]
            else:
                d = sign(g[i]) if cfg["state_free"] == "sign_sgd" else g[i]
                p[i] -= lr * cfg["free_lr_scale"] * d
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


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "..", "test", "e2e", "golden", "frugal.json")
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", default=os.path.normpath(default))
    args = parser.parse_args()
    cases = [run(c) for c in CONFIGS]
    with open(args.output, "w") as f:
        json.dump({"generator": "scripts/golden/make_frugal_goldens.py", "cases": cases}, f,
                  indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {args.output}")


if __name__ == "__main__":
    main()
