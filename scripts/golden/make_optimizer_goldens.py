#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes test/e2e/golden/optimizers.json (and, with --extreme, test/e2e/golden/extreme.json):
golden optimizer steps from PyTorch and Optax.

What it produces
    One JSON file (about 90 KB) that test/e2e/golden.test replays through compiled kiln
    programs with `kiln-golden-check`. The tests only read the file; they never run this
    script, so neither PyTorch nor Optax is needed to test Kiln.

    For every optimizer configuration the file holds
      - "kiln": the kiln op (or, for the Optax chain, the chain) and its attributes, from
        which kiln-golden-check writes the program; "syntax" shows the op line for a reader;
      - "reference" and "hyperparameters": the library call that produced the numbers;
      - "shapes": the parameter tensors of the step ([7], [1] and [2, 5]: an odd size, a
        single element, and a rank-2 tensor larger than one 16-lane vector);
      - "initial": the parameters and the optimizer state before the first step;
      - "steps": per step t (1-based) the learning rate, the gradients, and the parameters
        and state after the step, exactly as the library computed them in float32.
    Gradients are seeded normal draws with exact zeros in places: the first element of every
    tensor on step 1 (so the size-1 tensor's gradient is all zero and state stays at its
    initial value there), and on step 3 the whole size-1 tensor and the first row of the
    [2, 5] tensor (state from earlier steps, no new gradient). Every float32 is written in its shortest decimal
    form; read as a double and rounded to float32 it gives back the same bits (checked).

    For every schedule: the Optax call, the kiln op and attributes, and its value at a list
    of counts. "values" is Optax evaluated in float64 (JAX_ENABLE_X64, in a child process);
    "optax_float32_values" is Optax's default float32 evaluation, kept for information: it
    is itself only 1e-6 to 6e-5 accurate where 1 + cos(x) or a ramp cancels, while kiln evaluates
    schedules in f64 and rounds once (passes/lib/Conversion/KilnToLinalg/Schedules.cpp).

    References: torch.optim.{SGD, Adam, AdamW, Adagrad, RMSprop} with foreach=False (the
    single-tensor loops) on CPU; Optax on CPU in float32 (x64 disabled): the chain
    clip_by_global_norm -> scale_by_adam -> add_decayed_weights -> scale_by_learning_rate
    + apply_updates, optax.lion, and the schedules. The library versions are recorded.

Extreme values (--extreme: test/e2e/golden/extreme.json, replayed by golden-extreme.test)
    The same 17 optimizer configurations (names, hyperparameters, learning rates; no
    schedules), 6 steps over tensors of 19 (one 16-lane vector and a 3-element tail), 1 and
    2x5 elements, whose gradients put extreme values in different elements of the same
    tensors: 1e20 and -1e20, 1e38 and -3e38, 0, the denormals 1e-40 and -1e-42, and ordinary
    seeded normal draws (EXTREME_GRADS: one script of 6 values per element, commented).
    Among them:
      - second moments that overflow to +inf. PyTorch's (1 - beta2) * g * g (addcmul's
        order, kiln's too) is inf for |g| = 1e38 at once; 1e20 gives 1e37 a step at
        beta2 = 0.999 (finite over 6 steps) and 1e38 a step at beta2 = alpha = 0.99 (inf on
        the 4th step of a constant 1e20), inf at once with alpha = 0.9. Adagrad's g * g (and
        Optax's g ** 2) overflow for |g| > 1.8e19. Adam's update is then m / inf = 0 and
        the parameter stays where it was, as in PyTorch;
      - momentum buffers that overflow (0.9 * -3e38 - 3e38 = -inf), parameters that
        overflow (3e38 + 0.1 * 3e38), and the NaN that follows (inf - inf, inf * 0);
      - denormal gradients on parameters 1e-30, 0, 1e-40 and -1e-41: m / eps, -clr g / eps
        and lr g / eps turn a denormal numerator into a normal step (1e-35 to 1e-32), so
        flushing denormals, or dividing them less accurately, shows in the parameter;
      - optimizer state that is already huge before the first step (EXTREME_STATE: v = inf,
        3e38 and 1e30, m = 1e38, -3e38 and 1e37, momentum buffers and Lion's mu 1e38, -3e38
        and inf). PyTorch takes it from optimizer.state filled before the first step
        (state["step"] = 0, as a checkpoint would), Optax from its initial state with mu and
        nu replaced.
    Where the references themselves are not IEEE evaluations of the documented update, the
    data stays clear of it (each is a difference of the reference, not of kiln):
      - PyTorch's Adam updates m with lerp, m + 0.1 (g - m), which overflows when g and m
        are huge with opposite signs (m = 5e37, g = -3e38 gives -inf where
        0.9 m + 0.1 g = -2.55e37) and turns m = inf into NaN; kiln.adam documents
        beta1 * m + (1 - beta1) * g. No element has such a pair, and Adam's m never
        starts at inf.
      - XLA on CPU flushes denormals to zero (FTZ and DAZ), so Optax is no IEEE reference
        for them. Lion's mu starts at ordinary draws, not 0 (with mu = 0 a denormal gradient
        decides the sign in IEEE arithmetic, sign(1e-41) = 1, but not in Optax's).
      - Optax's float32 global norm overflows for |g| > 1.8e19 (kiln, like PyTorch's
        clip_grad_norm_ on CPU, accumulates it in f64): the chain's gradients use
        EXTREME_CHAIN_SCALE, so every step is still clipped, by a norm of 1e16 to 1e19,
        and the clipped denormals are 0 in both.
      - Under jit, XLA may evaluate (m / bc1) / d as m / (bc1 * d), which does not overflow
        where m / (1 - b1^t) does (the written formula, and kiln, give inf, then NaN or
        -inf); and Optax's float32 bias correction 1 - b2^t is 1.3e-5 relative low, which a
        huge finite update carries into the parameter. The chain's state is therefore
        EXTREME_CHAIN_STATE: |m| <= 3e37 (m / bc1 stays finite) and every huge m meets a
        nu whose nu / bc2 is inf, so the update is 0.
    Non-finite numbers have no JSON number form: they are written as the strings "inf",
    "-inf" and "nan" (any NaN; its sign and payload are not kept), in the initial state and
    in the steps alike. kiln-golden-check reads both forms and compares them exactly.

How to run it (from the repository root; rerunnable, deterministic)
    pip install torch optax            # any recent versions; the ones used are recorded
    python3 scripts/golden/make_optimizer_goldens.py
    python3 scripts/golden/make_optimizer_goldens.py --extreme
    # or: ... --output some/other/path.json
    No rebuild is needed afterwards: golden.test (golden-extreme.test) reads the file from
    the source tree (`/usr/lib/llvm-22/bin/lit -v build/test/e2e`). Regenerating with the
    same library versions gives the same bytes; other versions may move the last bits of
    some values.
"""

import argparse
import json
import os
import subprocess
import sys

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np  # noqa: E402

SHAPES = [[7], [1], [2, 5]]
STEPS = 5
SEED = 20240531
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_OUTPUT = os.path.join(REPO, "test", "e2e", "golden", "optimizers.json")
EXTREME_OUTPUT = os.path.join(REPO, "test", "e2e", "golden", "extreme.json")
# Whether enc() may write inf and NaN (as strings): only for extreme.json.
NONFINITE_OK = False


# --------------------------------------------------------------------------------------
# Numbers in and out


def f32(x):
    """x rounded to float32, as a Python float (so f32-representable learning rates and
    hyperparameters mean the same thing to torch (double), Optax (float32) and kiln)."""
    return float(np.float32(x))


def enc(x):
    """The shortest decimal that reads back (decimal -> double -> float32) as float32 x.
    In extreme.json (NONFINITE_OK) infinities and NaN are the strings "inf", "-inf", "nan"."""
    x = np.float32(x)
    if not np.isfinite(x):
        if not NONFINITE_OK:
            raise ValueError("non-finite golden value")
        return "nan" if np.isnan(x) else ("inf" if x > 0 else "-inf")
    s = np.format_float_scientific(x, unique=True, trim="-")
    v = float(s)
    if np.float32(v).tobytes() != x.tobytes():
        raise AssertionError(f"{s} does not round-trip to float32 {x!r}")
    return v


def enc_array(a):
    return [enc(x) for x in np.asarray(a, dtype=np.float32).reshape(-1)]


def make_data(seed, grad_scale=1.0):
    """Initial parameters and per-step gradients (float32), with exact zeros as documented."""
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    grads = []
    for t in range(1, STEPS + 1):
        step = []
        for i, s in enumerate(SHAPES):
            g = (rng.standard_normal(s) * grad_scale).astype(np.float32)
            flat = g.reshape(-1)
            if t == 1:
                flat[0] = 0.0
            if t == 3:
                if i == 1:
                    flat[:] = 0.0
                if i == 2:
                    g[0, :] = 0.0
            step.append(g)
        grads.append(step)
    return params, grads


class Ordinary:
    """The data of optimizers.json: make_data, and the optimizers' own initial state."""
    shapes, steps = SHAPES, STEPS

    def data(self, seed, grad_scale=1.0, library="torch"):
        return make_data(seed, grad_scale)

    def state(self, role, fill, seed, library="torch"):
        """The initial state of one role for every tensor, or None: the library's own."""
        return None


# Extreme values (extreme.json; see the module docstring). Scripts of gradient values, one
# per element and step; N is an ordinary draw (standard normal, seeded), everything else is
# used as written (rounded to float32). Tensor 0 has 19 elements: 16 in one vector, 3 in
# the tail, which repeats some of the vector's scripts.
N = None
B, NB, H, NH = 1e20, -1e20, 1e38, -3e38
D, ND, Z = 1e-40, -1e-42, 0.0
INF = float("inf")
EXTREME_SHAPES = [[19], [1], [2, 5]]
EXTREME_STEPS = 6
EXTREME_GRADS = [
    [[H, N, N, N, N, N],        # 0: v = inf at once (Adam: update 0 from then on)
     [NH, NH, N, N, N, N],      # 1: p = 3e38; momentum -3e38, then -inf; p overflows
     [B, N, N, NB, N, N],       # 2: 1e20: v finite in Adam, inf in Adagrad
     [N, NB, N, N, N, N],       # 3: state m = 1e37, v = 1e30: a huge, finite step
     [Z, Z, Z, Z, Z, Z],        # 4: no gradient; state v = inf, m = -3e38
     [D, D, D, N, N, N],        # 5: denormal gradients on p = 1e-30: m / eps = -1e-35
     [ND, Z, ND, Z, ND, Z],     # 6: denormal parameter 1e-40
     [N, H, ND, Z, B, N],       # 7
     [H, NH, N, N, N, N],       # 8: opposite signs (m + 0.1 (g - m) stays finite)
     [N, N, N, N, N, N],        # 9: state v = inf: Adam's update 0, p unchanged
     [D, H, Z, NH, N, N],       # 10
     [B, B, B, B, B, B],        # 11: (1 - 0.99) * 1e40 a step: v = inf on step 4
     [N, Z, D, ND, Z, N],       # 12: denormal parameter -1e-41
     [NB, N, Z, N, NB, N],      # 13: state m = 1e38, v = 3e38
     [N, N, H, N, N, N],        # 14
     [N, D, N, N, NH, N],       # 15
     [H, N, N, N, N, N],        # 16 (tail): as 0, p = 2e38
     [D, NB, Z, NH, N, N],      # 17 (tail)
     [NH, NH, N, Z, D, N]],     # 18 (tail): as 1
    [[H, Z, D, NB, N, Z]],      # the single element: state m = 1e38, v = inf
    [[N, N, N, N, N, N],        # [0][0]: state m = -3e38, v = 3e38
     [NH, N, N, N, N, N],
     [D, D, Z, Z, D, D],        # [0][2]: p = 0
     [B, NB, B, NB, B, NB],
     [Z, H, N, N, N, N],        # [0][4]: momentum buffer and Lion's mu = inf
     [N, N, N, NH, NH, NH],     # [1][0] (flat 5): p = 1e38
     [ND, N, Z, H, N, N],
     [Z, Z, Z, Z, Z, Z],        # [1][2] (flat 7): state m = 1e38, v = 1, vmax = inf
     [N, B, B, N, N, N],
     [H, H, N, N, N, N]],
]
# Initial parameters other than an ordinary draw: {(tensor, flat element): value}.
EXTREME_PARAMS = {(0, 1): 3e38, (0, 5): 1e-30, (0, 6): 1e-40, (0, 12): -1e-41,
                  (0, 16): 2e38, (2, 2): 0.0, (2, 5): 1e38}
# Initial state other than the optimizer's fill value: {(tensor, flat element): {role:
# value}}, the roles m (Adam's exp_avg, Optax's mu), v (exp_avg_sq, Adagrad's sum,
# RMSprop's square_avg, Optax's nu), vmax (AMSGrad), buf (momentum), lion (Lion's mu).
# PyTorch's lerp turns an infinite m into NaN (see above), so m is never infinite; the
# momentum buffer and Lion's mu are.
EXTREME_STATE = {
    (0, 3): {"m": 1e37, "v": 1e30, "vmax": 1e30},
    (0, 4): {"m": -3e38, "v": INF, "vmax": INF, "buf": -3e38, "lion": -3e38},
    (0, 9): {"v": INF, "vmax": INF},
    (0, 13): {"m": 1e38, "v": 3e38, "vmax": 3e38, "buf": 1e38, "lion": 1e38},
    (1, 0): {"m": 1e38, "v": INF, "vmax": INF, "buf": 1e38, "lion": INF},
    (2, 0): {"m": -3e38, "v": 3e38, "vmax": 3e38, "buf": 3e38, "lion": -3e38},
    (2, 4): {"buf": INF, "lion": INF},
    (2, 7): {"m": 1e38, "v": 1.0, "vmax": INF, "buf": -3e38, "lion": 1e38},
}
# The Optax chain's gradients: the extreme values scaled down, so that Optax's float32
# global norm stays finite (every step is still clipped, by a norm of 1e16 to 1e19).
EXTREME_CHAIN_SCALE = {B: 1e16, NB: -1e16, H: 1e18, NH: -3e18}
# The Optax chain's initial mu (m) and nu (v), instead of EXTREME_STATE: |m| <= 3e37, so that
# m / (1 - b1^t) stays finite (XLA may compile (m / bc1) / d as m / (bc1 * d), which does not
# overflow where the written formula, and kiln, do), and every huge m meets a nu whose
# nu / (1 - b2^t) is inf, so the update is 0 (a huge finite update would carry Optax's
# float32 bias correction error, ~6e-6 relative, into the parameter).
EXTREME_CHAIN_STATE = {
    (0, 4): {"m": -3e37, "v": INF},
    (0, 9): {"v": INF},
    (0, 13): {"m": 3e37, "v": 3e38},
    (1, 0): {"m": 3e37, "v": INF},
    (2, 0): {"m": -3e37, "v": 3e38},
    (2, 7): {"v": INF},
}
STATE_ROLE = {"momentum_buffer": "buf", "exp_avg": "m", "exp_avg_sq": "v",
              "max_exp_avg_sq": "vmax", "sum": "v", "square_avg": "v", "mu": "m", "nu": "v"}


class Extreme:
    """The data of extreme.json."""
    shapes, steps = EXTREME_SHAPES, EXTREME_STEPS

    def data(self, seed, grad_scale=1.0, library="torch"):
        rng = np.random.default_rng(seed)
        params = []
        for i, s in enumerate(self.shapes):
            p = rng.standard_normal(s).astype(np.float32)
            for (ti, e), v in EXTREME_PARAMS.items():
                if ti == i:
                    p.reshape(-1)[e] = v
            params.append(p)
        chain = library == "optax_chain"
        grads = []
        for t in range(self.steps):
            step = []
            for i, s in enumerate(self.shapes):
                g = (rng.standard_normal(s) * grad_scale).astype(np.float32)
                flat = g.reshape(-1)
                for e, script in enumerate(EXTREME_GRADS[i]):
                    v = script[t]
                    if v is not N:
                        flat[e] = EXTREME_CHAIN_SCALE.get(v, v) if chain else v
                step.append(g)
            if chain:  # Optax's float32 norm: finite, and large enough to clip denormals to 0
                sq = sum(float(np.sum(np.square(x.astype(np.float64)))) for x in step)
                assert 1e30 < sq < 1e38, sq
            grads.append(step)
        return params, grads

    def state(self, role, fill, seed, library="torch"):
        """Lion's mu starts at ordinary draws (XLA flushes denormals: with mu = 0 a denormal
        gradient would decide the sign in IEEE arithmetic but not in Optax's)."""
        rng = np.random.default_rng(seed + 7919)
        table = EXTREME_CHAIN_STATE if library == "optax_chain" else EXTREME_STATE
        out = []
        for i, s in enumerate(self.shapes):
            a = (rng.standard_normal(s) if role == "lion" else np.full(s, fill)).astype(
                np.float32)
            for (ti, e), roles in table.items():
                if ti == i and role in roles:
                    a.reshape(-1)[e] = roles[role]
            out.append(a)
        return out


def f64_attr_text(v):
    s = repr(float(v))
    if "." not in s and "e" in s:
        s = s.replace("e", ".0e")
    elif "." not in s:
        s += ".0"
    return s + " : f64"


def attr_text(attrs):
    parts = []
    for k, v in attrs.items():
        if v is True:
            parts.append(k)
        elif isinstance(v, int):
            parts.append(f"{k} = {v} : i64")
        else:
            parts.append(f"{k} = {f64_attr_text(v)}")
    return "{" + ", ".join(parts) + "}"


def syntax(op, state, step, dynamic_lr, attrs):
    names = {"momentum_buffer": "b", "exp_avg": "m", "exp_avg_sq": "v",
             "max_exp_avg_sq": "x", "sum": "s", "square_avg": "s", "mu": "m"}
    st = [names[s] for s in state]
    res = ", ".join(["%p1"] + [f"%{n}1" for n in st])
    ops = ", ".join(["%p", "%g"] + [f"%{n}" for n in st])
    extra = (" step(%t)" if step else "") + (" lr(%lr)" if dynamic_lr else "")
    return f"{res} = kiln.{op} {ops}{extra} {attr_text(attrs)} : tensor<7xf32>"


# --------------------------------------------------------------------------------------
# PyTorch


def torch_config(spec, name, cls_name, kwargs, op, attrs, state, step=False, dynamic_lr=None,
                 seed=0, init_state=None):
    """Runs torch.optim.<cls_name>(foreach=False) for spec.steps steps over spec.shapes.

    dynamic_lr: None for a constant lr (a kiln attribute), else the per-step learning rates
    (float32 values), set on the param group before each step and passed to kiln's lr(...).
    Where spec gives an initial state, it is put in optimizer.state before the first step
    (with state["step"] = 0 where the optimizer counts steps), as a checkpoint would be."""
    import torch

    params0, grads = spec.data(SEED + seed)
    params = [torch.nn.Parameter(torch.from_numpy(p.copy())) for p in params0]
    opt = getattr(torch.optim, cls_name)(params, foreach=False, **kwargs)
    if dynamic_lr is None:
        attrs = {"lr": kwargs["lr"], **attrs}
    for key in state:
        init = spec.state(STATE_ROLE[key], init_state or 0.0, SEED + seed)
        if init is None:
            continue
        for p, a in zip(params, init):
            st = opt.state[p]
            if cls_name != "SGD" and "step" not in st:
                st["step"] = torch.tensor(0.0, dtype=torch.float32)
            st[key] = torch.from_numpy(a.copy())

    def state_of(p, key, before):
        st = opt.state.get(p, {})
        if key in st:
            return st[key].detach().numpy().copy()
        return np.full(p.shape, init_state or 0.0, dtype=np.float32) if before else None

    initial = {"param": [enc_array(p) for p in params0],
               "state": {k: [enc_array(state_of(p, k, True)) for p in params] for k in state}}
    steps = []
    for t in range(1, spec.steps + 1):
        lr = kwargs["lr"] if dynamic_lr is None else dynamic_lr[t - 1]
        for group in opt.param_groups:
            group["lr"] = lr
        for p, g in zip(params, grads[t - 1]):
            p.grad = torch.from_numpy(g.copy())
        opt.step()
        steps.append({
            "t": t, "lr": lr,
            "grad": [enc_array(g) for g in grads[t - 1]],
            "param": [enc_array(p.detach().numpy()) for p in params],
            "state": {k: [enc_array(state_of(p, k, False)) for p in params] for k in state},
        })
    kw = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    return {
        "name": name, "kind": "optimizer", "library": "torch",
        "reference": f"torch.optim.{cls_name}(params, {kw}, foreach=False)"
                     + (" with param_group['lr'] set before each step" if dynamic_lr else ""),
        "hyperparameters": kwargs,
        "kiln": {"op": op, "attrs": attrs, "state": state, "step": step,
                 "dynamic_lr": dynamic_lr is not None,
                 "syntax": syntax(op, state, step, dynamic_lr is not None, attrs)},
        "shapes": spec.shapes, "initial": initial, "steps": steps,
    }


def torch_configs(spec):
    import torch
    torch.manual_seed(0)
    torch.set_num_threads(1)
    sched = lambda base: [f32(base * (1.0 + 0.5 * t)) for t in range(1, spec.steps + 1)]  # noqa
    c = []
    c.append(torch_config(spec, "torch_sgd_plain", "SGD", {"lr": 0.1}, "sgd", {}, [], seed=1))
    c.append(torch_config(spec, "torch_sgd_weight_decay", "SGD",
                          {"lr": 0.05, "weight_decay": 0.01},
                          "sgd", {"weight_decay": 0.01}, [], seed=2))
    c.append(torch_config(spec, "torch_sgd_momentum", "SGD", {"lr": 0.025, "momentum": 0.9},
                          "momentum", {"momentum": 0.9, "weight_decay": 0.0},
                          ["momentum_buffer"], seed=3))
    c.append(torch_config(spec, "torch_sgd_nesterov_wd", "SGD",
                          {"lr": 0.01, "momentum": 0.8, "nesterov": True, "weight_decay": 3e-4},
                          "momentum", {"momentum": 0.8, "nesterov": True, "weight_decay": 3e-4},
                          ["momentum_buffer"], dynamic_lr=sched(0.01), seed=4))
    adam = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    c.append(torch_config(spec, "torch_adam_default", "Adam", {"lr": 1e-3}, "adam",
                          {**adam, "weight_decay": 0.0}, ["exp_avg", "exp_avg_sq"], step=True,
                          seed=5))
    c.append(torch_config(spec, "torch_adam_l2", "Adam",
                          {"lr": 2e-3, "betas": (0.8, 0.99), "weight_decay": 0.01}, "adam",
                          {"beta1": 0.8, "beta2": 0.99, "eps": 1e-8, "weight_decay": 0.01},
                          ["exp_avg", "exp_avg_sq"], step=True, seed=6))
    c.append(torch_config(spec, "torch_adam_amsgrad", "Adam",
                          {"lr": 1e-3, "amsgrad": True, "weight_decay": 1e-3}, "amsgrad",
                          {**adam, "weight_decay": 1e-3},
                          ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"], step=True,
                          dynamic_lr=sched(1e-3), seed=7))
    c.append(torch_config(spec, "torch_adamw_default", "AdamW", {"lr": 1e-3}, "adamw",
                          {**adam, "weight_decay": 0.01}, ["exp_avg", "exp_avg_sq"],
                          step=True, seed=8))
    c.append(torch_config(spec, "torch_adamw_wd0.1", "AdamW", {"lr": 5e-3, "weight_decay": 0.1},
                          "adamw", {**adam, "weight_decay": 0.1}, ["exp_avg", "exp_avg_sq"],
                          step=True, dynamic_lr=sched(5e-3), seed=9))
    c.append(torch_config(spec, "torch_adamw_amsgrad", "AdamW",
                          {"lr": 2e-3, "amsgrad": True, "weight_decay": 0.05}, "amsgrad",
                          {**adam, "weight_decay": 0.05, "decoupled_weight_decay": True},
                          ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"], step=True, seed=10))
    c.append(torch_config(spec, "torch_adagrad_default", "Adagrad", {"lr": 0.01}, "adagrad",
                          {"eps": 1e-10, "lr_decay": 0.0, "weight_decay": 0.0}, ["sum"],
                          seed=11))
    c.append(torch_config(spec, "torch_adagrad_lr_decay_wd", "Adagrad",
                          {"lr": 0.05, "lr_decay": 0.01, "weight_decay": 1e-3,
                           "initial_accumulator_value": 0.1},
                          "adagrad", {"eps": 1e-10, "lr_decay": 0.01, "weight_decay": 1e-3},
                          ["sum"], step=True, seed=12, init_state=0.1))
    c.append(torch_config(spec, "torch_rmsprop_default", "RMSprop", {"lr": 0.01}, "rmsprop",
                          {"alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0}, ["square_avg"],
                          seed=13))
    c.append(torch_config(spec, "torch_rmsprop_alpha0.9_wd", "RMSprop",
                          {"lr": 1e-3, "alpha": 0.9, "weight_decay": 0.01}, "rmsprop",
                          {"alpha": 0.9, "eps": 1e-8, "weight_decay": 0.01}, ["square_avg"],
                          dynamic_lr=sched(1e-3), seed=14))
    for cfg in c:  # tuples (betas) as lists for JSON
        cfg["hyperparameters"] = {k: list(v) if isinstance(v, tuple) else v
                                  for k, v in cfg["hyperparameters"].items()}
    return c


# --------------------------------------------------------------------------------------
# Optax (float32, x64 disabled)


def optax_run(spec, name, make_tx, params0, grads, lrs, state_of, description, hyper, kiln,
              notes, init_state=None):
    """init_state(opt_state) -> opt_state replaces the initial state where spec gives one."""
    import jax
    import jax.numpy as jnp
    import optax

    assert not jax.config.jax_enable_x64
    params = [jnp.asarray(p) for p in params0]
    tx = make_tx()
    opt_state = tx.init(params)
    if init_state is not None:
        opt_state = init_state(opt_state)
    initial = {"param": [enc_array(p) for p in params0],
               "state": {k: [enc_array(a) for a in v]
                         for k, v in state_of(opt_state).items()}}
    update = jax.jit(tx.update)
    steps = []
    for t in range(1, spec.steps + 1):
        g = [jnp.asarray(x) for x in grads[t - 1]]
        updates, opt_state = update(g, opt_state, params)
        params = optax.apply_updates(params, updates)
        assert all(p.dtype == jnp.float32 for p in params)
        steps.append({
            "t": t, "lr": lrs[t - 1],
            "grad": [enc_array(x) for x in grads[t - 1]],
            "param": [enc_array(np.asarray(p)) for p in params],
            "state": {k: [enc_array(np.asarray(a)) for a in v]
                      for k, v in state_of(opt_state).items()},
        })
    return {"name": name, "kind": kiln.pop("kind"), "library": "optax",
            "reference": description, "hyperparameters": hyper, "kiln": kiln, "notes": notes,
            "shapes": spec.shapes, "initial": initial, "steps": steps}


def optax_configs(spec):
    import jax.numpy as jnp
    import optax

    def replaced(get, library, **roles):
        """opt_state -> opt_state with the state part get(s) given spec's initial values."""
        def init(s):
            new = {}
            for field, (role, seed) in roles.items():
                a = spec.state(role, 0.0, seed, library)
                if a is not None:
                    new[field] = [jnp.asarray(x) for x in a]
            return s if not new else get(s, new)
        return init

    out = []
    # The AdamW chain, with a per-step learning rate from a warm-up cosine schedule evaluated
    # by Optax itself (float32, count 0, 1, ...) and gradients large enough that the global
    # norm clip is active on every step but the partly-zero one is still scaled.
    sched = optax.warmup_cosine_decay_schedule(init_value=1e-4, peak_value=1e-3,
                                               warmup_steps=2, decay_steps=10, end_value=1e-5)
    lrs = [float(np.asarray(sched(jnp.asarray(c)), dtype=np.float32)) for c in range(spec.steps)]
    table = jnp.asarray(lrs, dtype=jnp.float32)
    hyper = {"max_norm": 1.0, "b1": 0.9, "b2": 0.999, "eps": 1e-8, "weight_decay": 1e-4,
             "learning_rate": "optax.warmup_cosine_decay_schedule(init_value=1e-4, "
                              "peak_value=1e-3, warmup_steps=2, decay_steps=10, "
                              "end_value=1e-5) at count 0, 1, ..."}
    params0, grads = spec.data(SEED + 101, grad_scale=3.0, library="optax_chain")

    def chain():
        return optax.chain(
            optax.clip_by_global_norm(hyper["max_norm"]),
            optax.scale_by_adam(b1=0.9, b2=0.999, eps=1e-8),
            optax.add_decayed_weights(hyper["weight_decay"]),
            optax.scale_by_learning_rate(lambda count: table[count]))

    def chain_state(s):
        return {"mu": s[1].mu, "nu": s[1].nu}

    attrs = {"max_norm": 1.0, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 1e-4}
    chain_init = replaced(lambda s, new: (s[0], s[1]._replace(**new)) + tuple(s[2:]),
                          "optax_chain", mu=("m", SEED + 101), nu=("v", SEED + 101))
    out.append(optax_run(
        spec, "optax_adamw_chain", chain, params0, grads, lrs, chain_state,
        "optax.chain(clip_by_global_norm(1.0), scale_by_adam(b1=0.9, b2=0.999, eps=1e-8), "
        "add_decayed_weights(1e-4), scale_by_learning_rate(schedule)); "
        "params = optax.apply_updates(params, updates)",
        hyper,
        {"kind": "optax_adamw_chain", "attrs": attrs, "state": ["mu", "nu"], "step": True,
         "dynamic_lr": True,
         "syntax": "%c:3 = kiln.clip_by_global_norm %g0, %g1, %g2 {max_norm = 1.0 : f64} : ...; "
                   "%u, %m1, %v1 = kiln.scale_by_adam %c#0, %m, %v step(%t) "
                   "{beta1 = 0.9 : f64, beta2 = 0.999 : f64, eps = 1.0e-08 : f64} : T; "
                   "%w = kiln.add_decayed_weights %u, %p {weight_decay = 1.0e-04 : f64} : T; "
                   "%s = kiln.scale %w by(%lr) {factor = -1.0 : f64} : T; "
                   "%p1 = kiln.apply_updates %p, %s : T"},
        "Two known differences, both within the 1e-6 tolerance here: (1) Optax evaluates the "
        "bias corrections 1 - b**count in float32 (f32(0.999) = 0.99900001287, so "
        "1 - b2 is 1.3e-5 relative low at count 1 and the update is ~6e-6 relative off), "
        "kiln.scale_by_adam in f64; over 5 steps at lr 1e-3 that moves the smallest "
        "parameter (|p| = 0.02) by up to 7.3e-7 relative along the carried trajectory. "
        "(2) optax.clip_by_global_norm scales by max_norm / norm, kiln.clip_by_global_norm "
        "by max_norm / (norm + 1e-6) as PyTorch's clip_grad_norm_; with norms of 11-14 the "
        "state differs by ~1e-7 relative.", chain_init))

    # Lion: Optax's update is u = -lr * (sign((1-b1) g + b1 m) + wd * p), m = (1-b2) g + b2 m,
    # applied as p + u; kiln.lion writes p * (1 - lr wd) - lr sign(...). Optax's default
    # weight_decay is 1e-3 and kiln's 0, so it is always given explicitly.
    for name, lr, b1, b2, wd, dyn, seed in [
            ("optax_lion_default", f32(3e-4), 0.9, 0.99, 1e-3, False, 102),
            ("optax_lion_wd0.1", f32(1e-3), 0.95, 0.98, 0.1, True, 103)]:
        params0, grads = spec.data(SEED + seed, library="optax")
        lrs = ([lr] * spec.steps if not dyn
               else [f32(lr * (1.0 + 0.5 * t)) for t in range(1, spec.steps + 1)])
        table_l = jnp.asarray(lrs, dtype=jnp.float32)

        def lion(lr=lr, b1=b1, b2=b2, wd=wd, dyn=dyn, table_l=table_l):
            return optax.lion(learning_rate=(lambda c: table_l[c]) if dyn else lr,
                              b1=b1, b2=b2, weight_decay=wd)

        attrs = {"beta1": b1, "beta2": b2, "weight_decay": wd}
        if not dyn:
            attrs = {"lr": lr, **attrs}
        lion_init = replaced(lambda s, new: (s[0]._replace(**new),) + tuple(s[1:]),
                             "optax", mu=("lion", SEED + seed))
        out.append(optax_run(
            spec, name, lion, params0, grads, lrs, lambda s: {"mu": s[0].mu},
            f"optax.lion(learning_rate={'per-step' if dyn else lr!r}, b1={b1}, b2={b2}, "
            f"weight_decay={wd})",
            {"learning_rate": lrs if dyn else lr, "b1": b1, "b2": b2, "weight_decay": wd},
            {"kind": "optimizer", "op": "lion", "attrs": attrs, "state": ["mu"], "step": False,
             "dynamic_lr": dyn, "syntax": syntax("lion", ["mu"], False, dyn, attrs)},
            "Optax: c = (1-b1) g + b1 m; u = -lr (sign(c) + wd p); p = p + u; "
            "m = (1-b2) g + b2 m. kiln.lion: p = p (1 - lr wd) - lr sign(c): the same value, "
            "rounded differently. Optax's default weight_decay is 1e-3, kiln's 0 (given "
            "explicitly here); sign(0) = 0 in both.", lion_init))
    return out


# Schedules: (name, optax function name, optax kwargs, kiln op, kiln attrs). The kiln
# attribute names are Optax's, so the same dictionary serves both.
SCHEDULES = [
    ("optax_linear_warmup", "linear_schedule",
     {"init_value": 0.0, "end_value": 1e-3, "transition_steps": 100, "transition_begin": 10}),
    ("optax_linear_decay", "linear_schedule",
     {"init_value": 0.05, "end_value": 5e-4, "transition_steps": 37}),
    ("optax_cosine_decay", "cosine_decay_schedule",
     {"init_value": 0.025, "decay_steps": 50, "alpha": 0.04}),
    ("optax_cosine_decay_exponent", "cosine_decay_schedule",
     {"init_value": 1.0, "decay_steps": 80, "alpha": 0.0, "exponent": 2.0}),
    ("optax_warmup_cosine", "warmup_cosine_decay_schedule",
     {"init_value": 0.0, "peak_value": 1e-3, "warmup_steps": 10, "decay_steps": 100,
      "end_value": 1e-5}),
    ("optax_warmup_cosine_exponent", "warmup_cosine_decay_schedule",
     {"init_value": 1e-4, "peak_value": 3e-3, "warmup_steps": 7, "decay_steps": 61,
      "end_value": 3e-5, "exponent": 1.5}),
]
COUNTS = [0, 1, 2, 5, 6, 7, 8, 9, 10, 11, 20, 29, 30, 31, 36, 37, 38, 47, 49, 50, 51, 60,
          61, 62, 79, 80, 99, 100, 109, 110, 111, 500]


def schedule_values():
    """{name: [value at each count]} from Optax in the current JAX precision."""
    import jax.numpy as jnp
    import optax
    out = {}
    for name, fn, kw in SCHEDULES:
        s = getattr(optax, fn)(**kw)
        out[name] = [float(np.asarray(s(jnp.asarray(c)))) for c in COUNTS]
    return out


def schedule_configs():
    import jax
    assert not jax.config.jax_enable_x64
    f32vals = schedule_values()
    env = dict(os.environ, JAX_ENABLE_X64="1", JAX_PLATFORMS="cpu")
    child = subprocess.run([sys.executable, os.path.abspath(__file__), "--schedules-x64"],
                           env=env, check=True, capture_output=True, text=True)
    f64vals = json.loads(child.stdout)
    out = []
    for name, fn, kw in SCHEDULES:
        out.append({
            "name": name, "kind": "schedule", "library": "optax",
            "reference": f"optax.{fn}(" + ", ".join(f"{k}={v!r}" for k, v in kw.items()) + ")",
            "kiln": {"op": fn, "attrs": kw,
                     "syntax": f"%lr = kiln.{fn} %c {attr_text(kw)}"},
            "counts": COUNTS,
            "values": f64vals[name],
            "optax_float32_values": [enc(v) for v in f32vals[name]],
        })
    return out


def versions():
    import jax
    import optax
    import torch
    return {"python": sys.version.split()[0], "numpy": np.__version__,
            "torch": torch.__version__, "jax": jax.__version__,
            "jaxlib": __import__("jaxlib").__version__, "optax": optax.__version__}


def layout(doc):
    """Compact JSON with one line per step and per schedule, so a regenerated file diffs
    readably and stays small."""
    dump = lambda x: json.dumps(x, separators=(",", ":"))  # noqa: E731
    lines = ["{"]
    for key in doc:
        if key not in ("configs", "schedules"):
            lines.append(f"{dump(key)}:{dump(doc[key])},")
    lines.append('"configs":[')
    for i, cfg in enumerate(doc["configs"]):
        head = dump({k: v for k, v in cfg.items() if k != "steps"})[:-1]
        lines.append(head + ',"steps":[')
        lines.append(",\n".join(dump(s) for s in cfg["steps"]))
        lines.append("]}" + ("," if i + 1 < len(doc["configs"]) else ""))
    lines.append('],"schedules":[')
    lines.append(",\n".join(dump(s) for s in doc["schedules"]))
    lines.append("]}")
    text = "\n".join(lines)
    assert json.loads(text) == json.loads(dump(doc))
    return text


def main():
    global NONFINITE_OK
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--output", default=None,
                    help=f"default: {DEFAULT_OUTPUT}, with --extreme {EXTREME_OUTPUT}")
    ap.add_argument("--extreme", action="store_true",
                    help="write the extreme-value goldens (extreme.json) instead")
    ap.add_argument("--schedules-x64", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.schedules_x64:  # child process: JAX_ENABLE_X64=1 is set in its environment
        import jax
        assert jax.config.jax_enable_x64
        json.dump(schedule_values(), sys.stdout)
        return
    if args.extreme:
        NONFINITE_OK = True
        spec = Extreme()
        args.output = args.output or EXTREME_OUTPUT
        doc = {
            "description": "Golden optimizer steps from PyTorch and Optax with extreme values "
                           "(1e20, 1e38, -3e38, 0, denormals; overflowing and huge state), "
                           "replayed by kiln-golden-check (test/e2e/golden-extreme.test). "
                           "Generated by scripts/golden/make_optimizer_goldens.py --extreme "
                           "(its docstring says what is in it); do not edit by hand.",
            "encoding": "Non-finite float32 values are the strings \"inf\", \"-inf\" and "
                        "\"nan\" (any NaN); they must match exactly.",
            "versions": versions(),
            "seed": SEED,
            "configs": torch_configs(spec) + optax_configs(spec),
            "schedules": [],
        }
    else:
        spec = Ordinary()
        args.output = args.output or DEFAULT_OUTPUT
        doc = {
            "description": "Golden optimizer steps and schedule values from PyTorch and Optax, "
                           "replayed by kiln-golden-check (test/e2e/golden.test). Generated by "
                           "scripts/golden/make_optimizer_goldens.py; do not edit by hand.",
            "versions": versions(),
            "seed": SEED,
            "configs": torch_configs(spec) + optax_configs(spec),
            "schedules": schedule_configs(),
        }
    text = layout(doc)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w") as f:
        f.write(text + "\n")
    print(f"wrote {args.output} ({len(text)} bytes, {len(doc['configs'])} optimizer "
          f"configurations, {len(doc['schedules'])} schedules)")


if __name__ == "__main__":
    main()
