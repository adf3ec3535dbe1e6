#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes test/e2e/golden/optimizers.json: golden optimizer steps from PyTorch and Optax.

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

How to run it (from the repository root; rerunnable, deterministic)
    pip install torch optax            # any recent versions; the ones used are recorded
    python3 scripts/golden/make_optimizer_goldens.py
    # or: ... --output some/other/path.json
    No rebuild is needed afterwards: golden.test reads the file from the source tree
    (`/usr/lib/llvm-22/bin/lit -v build/test/e2e`). Regenerating with the same library
    versions gives the same bytes; other versions may move the last bits of some values.
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


# --------------------------------------------------------------------------------------
# Numbers in and out


def f32(x):
    """x rounded to float32, as a Python float (so f32-representable learning rates and
    hyperparameters mean the same thing to torch (double), Optax (float32) and kiln)."""
    return float(np.float32(x))


def enc(x):
    """The shortest decimal that reads back (decimal -> double -> float32) as float32 x."""
    x = np.float32(x)
    if not np.isfinite(x):
        raise ValueError("non-finite golden value")
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


def torch_config(name, cls_name, kwargs, op, attrs, state, step=False, dynamic_lr=None,
                 seed=0, init_state=None):
    """Runs torch.optim.<cls_name>(foreach=False) for STEPS steps over SHAPES.

    dynamic_lr: None for a constant lr (a kiln attribute), else the per-step learning rates
    (float32 values), set on the param group before each step and passed to kiln's lr(...)."""
    import torch

    params0, grads = make_data(SEED + seed)
    params = [torch.nn.Parameter(torch.from_numpy(p.copy())) for p in params0]
    opt = getattr(torch.optim, cls_name)(params, foreach=False, **kwargs)
    if dynamic_lr is None:
        attrs = {"lr": kwargs["lr"], **attrs}

    def state_of(p, key, before):
        st = opt.state.get(p, {})
        if key in st:
            return st[key].detach().numpy().copy()
        return np.full(p.shape, init_state or 0.0, dtype=np.float32) if before else None

    initial = {"param": [enc_array(p) for p in params0],
               "state": {k: [enc_array(state_of(p, k, True)) for p in params] for k in state}}
    steps = []
    for t in range(1, STEPS + 1):
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
        "shapes": SHAPES, "initial": initial, "steps": steps,
    }


def torch_configs():
    import torch
    torch.manual_seed(0)
    torch.set_num_threads(1)
    sched = lambda base: [f32(base * (1.0 + 0.5 * t)) for t in range(1, STEPS + 1)]  # noqa
    c = []
    c.append(torch_config("torch_sgd_plain", "SGD", {"lr": 0.1}, "sgd", {}, [], seed=1))
    c.append(torch_config("torch_sgd_weight_decay", "SGD", {"lr": 0.05, "weight_decay": 0.01},
                          "sgd", {"weight_decay": 0.01}, [], seed=2))
    c.append(torch_config("torch_sgd_momentum", "SGD", {"lr": 0.025, "momentum": 0.9},
                          "momentum", {"momentum": 0.9, "weight_decay": 0.0},
                          ["momentum_buffer"], seed=3))
    c.append(torch_config("torch_sgd_nesterov_wd", "SGD",
                          {"lr": 0.01, "momentum": 0.8, "nesterov": True, "weight_decay": 3e-4},
                          "momentum", {"momentum": 0.8, "nesterov": True, "weight_decay": 3e-4},
                          ["momentum_buffer"], dynamic_lr=sched(0.01), seed=4))
    adam = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    c.append(torch_config("torch_adam_default", "Adam", {"lr": 1e-3}, "adam",
                          {**adam, "weight_decay": 0.0}, ["exp_avg", "exp_avg_sq"], step=True,
                          seed=5))
    c.append(torch_config("torch_adam_l2", "Adam",
                          {"lr": 2e-3, "betas": (0.8, 0.99), "weight_decay": 0.01}, "adam",
                          {"beta1": 0.8, "beta2": 0.99, "eps": 1e-8, "weight_decay": 0.01},
                          ["exp_avg", "exp_avg_sq"], step=True, seed=6))
    c.append(torch_config("torch_adam_amsgrad", "Adam",
                          {"lr": 1e-3, "amsgrad": True, "weight_decay": 1e-3}, "amsgrad",
                          {**adam, "weight_decay": 1e-3},
                          ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"], step=True,
                          dynamic_lr=sched(1e-3), seed=7))
    c.append(torch_config("torch_adamw_default", "AdamW", {"lr": 1e-3}, "adamw",
                          {**adam, "weight_decay": 0.01}, ["exp_avg", "exp_avg_sq"],
                          step=True, seed=8))
    c.append(torch_config("torch_adamw_wd0.1", "AdamW", {"lr": 5e-3, "weight_decay": 0.1},
                          "adamw", {**adam, "weight_decay": 0.1}, ["exp_avg", "exp_avg_sq"],
                          step=True, dynamic_lr=sched(5e-3), seed=9))
    c.append(torch_config("torch_adamw_amsgrad", "AdamW",
                          {"lr": 2e-3, "amsgrad": True, "weight_decay": 0.05}, "amsgrad",
                          {**adam, "weight_decay": 0.05, "decoupled_weight_decay": True},
                          ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"], step=True, seed=10))
    c.append(torch_config("torch_adagrad_default", "Adagrad", {"lr": 0.01}, "adagrad",
                          {"eps": 1e-10, "lr_decay": 0.0, "weight_decay": 0.0}, ["sum"],
                          seed=11))
    c.append(torch_config("torch_adagrad_lr_decay_wd", "Adagrad",
                          {"lr": 0.05, "lr_decay": 0.01, "weight_decay": 1e-3,
                           "initial_accumulator_value": 0.1},
                          "adagrad", {"eps": 1e-10, "lr_decay": 0.01, "weight_decay": 1e-3},
                          ["sum"], step=True, seed=12, init_state=0.1))
    c.append(torch_config("torch_rmsprop_default", "RMSprop", {"lr": 0.01}, "rmsprop",
                          {"alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0}, ["square_avg"],
                          seed=13))
    c.append(torch_config("torch_rmsprop_alpha0.9_wd", "RMSprop",
                          {"lr": 1e-3, "alpha": 0.9, "weight_decay": 0.01}, "rmsprop",
                          {"alpha": 0.9, "eps": 1e-8, "weight_decay": 0.01}, ["square_avg"],
                          dynamic_lr=sched(1e-3), seed=14))
    for cfg in c:  # tuples (betas) as lists for JSON
        cfg["hyperparameters"] = {k: list(v) if isinstance(v, tuple) else v
                                  for k, v in cfg["hyperparameters"].items()}
    return c


# --------------------------------------------------------------------------------------
# Optax (float32, x64 disabled)


def optax_run(name, make_tx, params0, grads, lrs, state_of, description, hyper, kiln, notes):
    import jax
    import jax.numpy as jnp
    import optax

    assert not jax.config.jax_enable_x64
    params = [jnp.asarray(p) for p in params0]
    tx = make_tx()
    opt_state = tx.init(params)
    initial = {"param": [enc_array(p) for p in params0],
               "state": {k: [enc_array(a) for a in v]
                         for k, v in state_of(opt_state).items()}}
    update = jax.jit(tx.update)
    steps = []
    for t in range(1, STEPS + 1):
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
            "shapes": SHAPES, "initial": initial, "steps": steps}


def optax_configs():
    import jax.numpy as jnp
    import optax

    out = []
    # The AdamW chain, with a per-step learning rate from a warm-up cosine schedule evaluated
    # by Optax itself (float32, count 0, 1, ...) and gradients large enough that the global
    # norm clip is active on every step but the partly-zero one is still scaled.
    sched = optax.warmup_cosine_decay_schedule(init_value=1e-4, peak_value=1e-3,
                                               warmup_steps=2, decay_steps=10, end_value=1e-5)
    lrs = [float(np.asarray(sched(jnp.asarray(c)), dtype=np.float32)) for c in range(STEPS)]
    table = jnp.asarray(lrs, dtype=jnp.float32)
    hyper = {"max_norm": 1.0, "b1": 0.9, "b2": 0.999, "eps": 1e-8, "weight_decay": 1e-4,
             "learning_rate": "optax.warmup_cosine_decay_schedule(init_value=1e-4, "
                              "peak_value=1e-3, warmup_steps=2, decay_steps=10, "
                              "end_value=1e-5) at count 0, 1, ..."}
    params0, grads = make_data(SEED + 101, grad_scale=3.0)

    def chain():
        return optax.chain(
            optax.clip_by_global_norm(hyper["max_norm"]),
            optax.scale_by_adam(b1=0.9, b2=0.999, eps=1e-8),
            optax.add_decayed_weights(hyper["weight_decay"]),
            optax.scale_by_learning_rate(lambda count: table[count]))

    def chain_state(s):
        return {"mu": s[1].mu, "nu": s[1].nu}

    attrs = {"max_norm": 1.0, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 1e-4}
    out.append(optax_run(
        "optax_adamw_chain", chain, params0, grads, lrs, chain_state,
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
        "state differs by ~1e-7 relative."))

    # Lion: Optax's update is u = -lr * (sign((1-b1) g + b1 m) + wd * p), m = (1-b2) g + b2 m,
    # applied as p + u; kiln.lion writes p * (1 - lr wd) - lr sign(...). Optax's default
    # weight_decay is 1e-3 and kiln's 0, so it is always given explicitly.
    for name, lr, b1, b2, wd, dyn, seed in [
            ("optax_lion_default", f32(3e-4), 0.9, 0.99, 1e-3, False, 102),
            ("optax_lion_wd0.1", f32(1e-3), 0.95, 0.98, 0.1, True, 103)]:
        params0, grads = make_data(SEED + seed)
        lrs = [lr] * STEPS if not dyn else [f32(lr * (1.0 + 0.5 * t)) for t in range(1, STEPS + 1)]
        table_l = jnp.asarray(lrs, dtype=jnp.float32)

        def lion(lr=lr, b1=b1, b2=b2, wd=wd, dyn=dyn, table_l=table_l):
            return optax.lion(learning_rate=(lambda c: table_l[c]) if dyn else lr,
                              b1=b1, b2=b2, weight_decay=wd)

        attrs = {"beta1": b1, "beta2": b2, "weight_decay": wd}
        if not dyn:
            attrs = {"lr": lr, **attrs}
        out.append(optax_run(
            name, lion, params0, grads, lrs, lambda s: {"mu": s[0].mu},
            f"optax.lion(learning_rate={'per-step' if dyn else lr!r}, b1={b1}, b2={b2}, "
            f"weight_decay={wd})",
            {"learning_rate": lrs if dyn else lr, "b1": b1, "b2": b2, "weight_decay": wd},
            {"kind": "optimizer", "op": "lion", "attrs": attrs, "state": ["mu"], "step": False,
             "dynamic_lr": dyn, "syntax": syntax("lion", ["mu"], False, dyn, attrs)},
            "Optax: c = (1-b1) g + b1 m; u = -lr (sign(c) + wd p); p = p + u; "
            "m = (1-b2) g + b2 m. kiln.lion: p = p (1 - lr wd) - lr sign(c): the same value, "
            "rounded differently. Optax's default weight_decay is 1e-3, kiln's 0 (given "
            "explicitly here); sign(0) = 0 in both."))
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
    for key in ("description", "versions", "seed"):
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
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--output", default=DEFAULT_OUTPUT)
    ap.add_argument("--schedules-x64", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.schedules_x64:  # child process: JAX_ENABLE_X64=1 is set in its environment
        import jax
        assert jax.config.jax_enable_x64
        json.dump(schedule_values(), sys.stdout)
        return
    doc = {
        "description": "Golden optimizer steps and schedule values from PyTorch and Optax, "
                       "replayed by kiln-golden-check (test/e2e/golden.test). Generated by "
                       "scripts/golden/make_optimizer_goldens.py; do not edit by hand.",
        "versions": versions(),
        "seed": SEED,
        "configs": torch_configs() + optax_configs(),
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
