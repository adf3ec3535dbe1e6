#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes test/e2e/golden/dp.json and dp-cnn.json: per-sample clipping goldens from PyTorch
and Opacus.

What it produces
    One JSON file that test/e2e/dp-golden.test replays: it compiles
    test/e2e/Inputs/dp-mlp.mlir (kiln.clipped_value_and_grad, kiln.dp_aggregate and
    kiln.dice_feedback on the model below), runs it on the parameters, batch and sample
    weights stored here, and compares what it returns with "expected"
    (test/e2e/Inputs/dp_golden.py). The test only reads the file; it never runs this script,
    so neither PyTorch nor Opacus is needed to test Kiln.

    The model: logits = relu(x W1 + b1) W2 + b2, x [B, D] = [6, 5], hidden 7, K = 3 classes,
    loss = mean softmax cross-entropy; Kiln's weights are [in, out] (torch.nn.Linear's
    transposed). Sample 2 has weight 0 (a padding row of a Poisson-sampled lot).
    "expected", all in float64 from explicitly materialized per-sample gradients
    (torch.func.vmap over torch.func.grad of one sample's loss):
      norms:     ||g_i|| over all four parameters, for every sample (padding included);
      clipped:   sum_i w_i min(1, C / (||g_i|| + 1e-6)) g_i per parameter (C = max_norm);
      unclipped: sum_i w_i g_i;
      aggregate: clipped / L with noise_multiplier 0 (L = expected_batch_size);
      opacus:    Opacus' DPOptimizer (GradSampleModule, noise_multiplier 0, max_grad_norm C,
                 expected_batch_size L, loss_reduction "mean") on the batch without its
                 padding row: p.grad after pre_step(), which must equal "aggregate";
      dice:      two kiln.dice_feedback steps in the paper's form (noise 0) from e = 0,
                 C2 = error_max_norm, written here in numpy-free Python.

    dp-cnn.json (test/e2e/dp-cnn-golden.test, test/e2e/Inputs/dp-cnn.mlir) holds the same
    norms, sums, aggregate and Opacus check for a small CNN, every convolution feature a
    per-sample rule must respect: x [6, 2, 6, 6] -> conv 3x3 (4 channels, groups 2,
    padding 1) + channel bias -> relu -> conv 2x2 (3 channels, stride 2, dilation 2) +
    channel bias -> relu -> flatten [6, 12] -> linear 12x3 -> mean cross-entropy.

    dp-seq.json (test/e2e/dp-seq-golden.test, test/e2e/Inputs/dp-seq.mlir): sequences, 4
    samples of T = 3 tokens flattened to [12, 8] rows (sample i owns rows 3i..3i+2) ->
    layer norm -> linear 8x8 -> tanh -> linear 8x3 -> cross-entropy averaged over the 12
    tokens; per-sample gradients of each sample's mean token loss (Opacus' scaling). The
    first linear layer takes Kiln's Gram form, the second the materialized per-sample form.

How to run it (from the repository root; needs pip's torch and opacus)
    python3 -m venv /tmp/venv-dp && /tmp/venv-dp/bin/pip install torch opacus
    /tmp/venv-dp/bin/python scripts/golden/make_dp_goldens.py
"""
import importlib.metadata
import json
import math
import os
import platform
import warnings

import torch
from opacus import GradSampleModule
from opacus.optimizers import DPOptimizer

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "..", "test", "e2e", "golden")
B, D, H, K = 6, 5, 7, 3
MAX_NORM, ERROR_MAX_NORM, LOT = 0.5, 0.75, 5
WEIGHTS = [1.0, 1.0, 0.0, 1.0, 1.0, 1.0]


def f32(t):
    """A tensor rounded to float32 and back: what the test feeds Kiln, so that both sides
    start from the same numbers."""
    return t.to(torch.float32).to(torch.float64)


def per_sample_sums(one_loss, params, x, y, weights, max_norm=MAX_NORM):
    """Per-sample gradients by torch.func.vmap, their norms over every parameter, and the
    clipped and plain sums weighted per sample."""
    names = list(params)
    n = x.shape[0]
    per_sample = torch.func.vmap(torch.func.grad(one_loss), in_dims=(None, 0, 0))(params, x, y)
    norms = torch.sqrt(sum((per_sample[k].reshape(n, -1) ** 2).sum(1) for k in names))
    # Both branches of the clip factor are exercised: some samples clipped, some not.
    assert (norms < max_norm).any() and (norms > max_norm).any(), norms
    factor = torch.clamp(max_norm / (norms + 1e-6), max=1.0) * weights
    clipped = {k: torch.einsum("i,i...->...", factor, per_sample[k]) for k in names}
    unclipped = {k: torch.einsum("i,i...->...", weights, per_sample[k]) for k in names}
    return norms, clipped, unclipped


def opacus_gradients(model, x, y, weights=WEIGHTS, lot=LOT, max_norm=MAX_NORM):
    """Opacus' DPOptimizer gradient (noise 0) on the batch without its padding rows."""
    gsm = GradSampleModule(model)
    optimizer = DPOptimizer(torch.optim.SGD(gsm.parameters(), lr=0.1), noise_multiplier=0.0,
                            max_grad_norm=max_norm, expected_batch_size=lot,
                            loss_reduction="mean")
    keep = [i for i in range(len(weights)) if weights[i] == 1.0]
    out = gsm(x[keep])
    loss = torch.nn.functional.cross_entropy(out.reshape(-1, out.shape[-1]), y[keep].reshape(-1))
    loss.backward()
    optimizer.pre_step()


def generator_info():
    return {
        "script": "scripts/golden/make_dp_goldens.py",
        "torch": torch.__version__,
        "opacus": importlib.metadata.version("opacus"),
        "python": platform.python_version(),
    }


def write(name, doc):
    path = os.path.join(GOLDEN, name)
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {os.path.normpath(path)}; norms {[round(v, 4) for v in doc['expected']['norms']]}")


def cnn():
    gen = torch.Generator().manual_seed(17)
    params = {
        "c1w": f32(torch.randn(4, 1, 3, 3, generator=gen, dtype=torch.float64) * 0.6),
        "c1b": f32(torch.randn(4, generator=gen, dtype=torch.float64) * 0.2),
        "c2w": f32(torch.randn(3, 4, 2, 2, generator=gen, dtype=torch.float64) * 0.6),
        "c2b": f32(torch.randn(3, generator=gen, dtype=torch.float64) * 0.2),
        "fw": f32(torch.randn(12, K, generator=gen, dtype=torch.float64) * 0.6),
        "fb": f32(torch.randn(K, generator=gen, dtype=torch.float64) * 0.2),
    }
    x = f32(torch.randn(B, 2, 6, 6, generator=gen, dtype=torch.float64))
    x[4] = f32(x[4] * 0.01)
    y = torch.tensor([0, 2, 1, 1, 0, 2])
    weights = torch.tensor(WEIGHTS, dtype=torch.float64)
    F = torch.nn.functional

    def logits_of(p, xb):
        h = torch.relu(F.conv2d(xb, p["c1w"], p["c1b"], padding=1, groups=2))
        h = torch.relu(F.conv2d(h, p["c2w"], p["c2b"], stride=2, dilation=2))
        return h.flatten(1) @ p["fw"] + p["fb"]

    def one_loss(p, xi, yi):
        return F.cross_entropy(logits_of(p, xi[None]), yi[None])

    norms, clipped, unclipped = per_sample_sums(one_loss, params, x, y, weights)
    aggregate = {k: clipped[k] / LOT for k in params}

    model = torch.nn.Sequential(
        torch.nn.Conv2d(2, 4, 3, padding=1, groups=2), torch.nn.ReLU(),
        torch.nn.Conv2d(4, 3, 2, stride=2, dilation=2), torch.nn.ReLU(), torch.nn.Flatten(),
        torch.nn.Linear(12, K)).double()
    with torch.no_grad():
        model[0].weight.copy_(params["c1w"])
        model[0].bias.copy_(params["c1b"])
        model[2].weight.copy_(params["c2w"])
        model[2].bias.copy_(params["c2b"])
        model[5].weight.copy_(params["fw"].T)
        model[5].bias.copy_(params["fb"])
    opacus_gradients(model, x, y)
    opacus = {"c1w": model[0].weight.grad, "c1b": model[0].bias.grad,
              "c2w": model[2].weight.grad, "c2b": model[2].bias.grad,
              "fw": model[5].weight.grad.T, "fb": model[5].bias.grad}
    for k in params:
        assert torch.allclose(opacus[k], aggregate[k], rtol=1e-10, atol=1e-12), k

    write("dp-cnn.json", {
        "generator": generator_info(),
        "max_norm": MAX_NORM, "expected_batch_size": LOT,
        "params": {k: v.tolist() for k, v in params.items()},
        "x": x.tolist(), "y": y.tolist(), "weights": WEIGHTS,
        "tolerance": 2e-6,
        "expected": {
            "loss": float(F.cross_entropy(logits_of(params, x), y)),
            "norms": norms.tolist(),
            "clipped": {k: v.tolist() for k, v in clipped.items()},
            "unclipped": {k: v.tolist() for k, v in unclipped.items()},
            "aggregate": {k: v.tolist() for k, v in aggregate.items()},
            "opacus": {k: v.tolist() for k, v in opacus.items()},
        },
    })


def sequence():
    """Sequences of T = 3 tokens: layer norm, two linear layers, a loss over every token."""
    n, t, d, h = 4, 3, 8, 8
    weights, lot, max_norm = [1.0, 1.0, 0.0, 1.0], 3, 2.0
    gen = torch.Generator().manual_seed(18)
    params = {
        "g": f32(1 + 0.3 * torch.randn(d, generator=gen, dtype=torch.float64)),
        "be": f32(0.2 * torch.randn(d, generator=gen, dtype=torch.float64)),
        "w1": f32(torch.randn(d, h, generator=gen, dtype=torch.float64) * 0.6),
        "b1": f32(torch.randn(h, generator=gen, dtype=torch.float64) * 0.2),
        "w2": f32(torch.randn(h, K, generator=gen, dtype=torch.float64) * 0.6),
        "b2": f32(torch.randn(K, generator=gen, dtype=torch.float64) * 0.2),
    }
    x = f32(torch.randn(n, t, d, generator=gen, dtype=torch.float64) * 1.5)
    y = torch.tensor([[0, 2, 1], [1, 0, 2], [2, 2, 0], [1, 1, 0]])
    F = torch.nn.functional

    def logits_of(p, xb):
        z = F.layer_norm(xb, (d,), p["g"], p["be"], eps=1e-5)
        return torch.tanh(z @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]

    def one_loss(p, xi, yi):  # the mean over the sample's tokens, as Opacus scales it
        return F.cross_entropy(logits_of(p, xi), yi)

    w = torch.tensor(weights, dtype=torch.float64)
    norms, clipped, unclipped = per_sample_sums(one_loss, params, x, y, w, max_norm)
    aggregate = {k: clipped[k] / lot for k in params}

    model = torch.nn.Sequential(torch.nn.LayerNorm(d, eps=1e-5), torch.nn.Linear(d, h),
                                torch.nn.Tanh(), torch.nn.Linear(h, K)).double()
    with torch.no_grad():
        model[0].weight.copy_(params["g"])
        model[0].bias.copy_(params["be"])
        model[1].weight.copy_(params["w1"].T)
        model[1].bias.copy_(params["b1"])
        model[3].weight.copy_(params["w2"].T)
        model[3].bias.copy_(params["b2"])
    opacus_gradients(model, x, y, weights, lot, max_norm)
    opacus = {"g": model[0].weight.grad, "be": model[0].bias.grad,
              "w1": model[1].weight.grad.T, "b1": model[1].bias.grad,
              "w2": model[3].weight.grad.T, "b2": model[3].bias.grad}
    for k in params:
        assert torch.allclose(opacus[k], aggregate[k], rtol=1e-10, atol=1e-12), k

    write("dp-seq.json", {
        "generator": generator_info(),
        "max_norm": max_norm, "expected_batch_size": lot,
        "params": {k: v.tolist() for k, v in params.items()},
        "x": x.reshape(n * t, d).tolist(), "y": y.reshape(-1).tolist(), "weights": weights,
        "tolerance": 2e-6,
        "expected": {
            "loss": float(F.cross_entropy(logits_of(params, x).reshape(-1, K), y.reshape(-1))),
            "norms": norms.tolist(),
            "clipped": {k: v.tolist() for k, v in clipped.items()},
            "unclipped": {k: v.tolist() for k, v in unclipped.items()},
            "aggregate": {k: v.tolist() for k, v in aggregate.items()},
            "opacus": {k: v.tolist() for k, v in opacus.items()},
        },
    })


def mlp():
    gen = torch.Generator().manual_seed(16)
    params = {
        "w1": f32(torch.randn(D, H, generator=gen, dtype=torch.float64) * 0.8),
        "b1": f32(torch.randn(H, generator=gen, dtype=torch.float64) * 0.2),
        "w2": f32(torch.randn(H, K, generator=gen, dtype=torch.float64) * 0.8),
        "b2": f32(torch.randn(K, generator=gen, dtype=torch.float64) * 0.2),
    }
    x = f32(torch.randn(B, D, generator=gen, dtype=torch.float64) * 1.5)
    # Sample 4's input is tiny: its weight gradients nearly vanish beside its bias gradients.
    x[4] = f32(x[4] * 0.01)
    y = torch.tensor([0, 2, 1, 1, 0, 2])
    weights = torch.tensor(WEIGHTS, dtype=torch.float64)
    names = ["w1", "b1", "w2", "b2"]

    def one_loss(p, xi, yi):
        h = torch.relu(xi @ p["w1"] + p["b1"])
        logits = h @ p["w2"] + p["b2"]
        return torch.nn.functional.cross_entropy(logits[None], yi[None])

    norms, clipped, unclipped = per_sample_sums(one_loss, params, x, y, weights)
    aggregate = {n: clipped[n] / LOT for n in names}

    # Opacus on the same model (torch.nn.Linear holds W^T) and the unpadded batch.
    model = torch.nn.Sequential(torch.nn.Linear(D, H), torch.nn.ReLU(), torch.nn.Linear(H, K))
    model = model.double()
    with torch.no_grad():
        model[0].weight.copy_(params["w1"].T)
        model[0].bias.copy_(params["b1"])
        model[2].weight.copy_(params["w2"].T)
        model[2].bias.copy_(params["b2"])
    opacus_gradients(model, x, y)
    opacus = {"w1": model[0].weight.grad.T, "b1": model[0].bias.grad,
              "w2": model[2].weight.grad.T, "b2": model[2].bias.grad}
    for n in names:
        assert torch.allclose(opacus[n], aggregate[n], rtol=1e-10, atol=1e-12), n

    # DiceSGD, two steps from e = 0 on the same sums (the paper's form, noise 0).
    flat_c = {n: clipped[n] for n in names}
    e = {n: torch.zeros_like(clipped[n]) for n in names}
    dice = []
    for _ in range(2):
        enorm = math.sqrt(sum(float((e[n] ** 2).sum()) for n in names))
        f = min(1.0, ERROR_MAX_NORM / enorm) if enorm > 0 else 0.0
        u = {n: flat_c[n] / B + f * e[n] for n in names}
        e = {n: e[n] - f * e[n] + (unclipped[n] - flat_c[n]) / B for n in names}
        dice.append({"updates": {n: u[n].tolist() for n in names},
                     "errors": {n: e[n].tolist() for n in names}})

    full_loss = torch.nn.functional.cross_entropy(
        torch.relu(x @ params["w1"] + params["b1"]) @ params["w2"] + params["b2"], y)
    write("dp.json", {
        "generator": generator_info(),
        "max_norm": MAX_NORM, "error_max_norm": ERROR_MAX_NORM, "expected_batch_size": LOT,
        "params": {n: params[n].tolist() for n in names},
        "x": x.tolist(), "y": y.tolist(), "weights": WEIGHTS,
        "tolerance": 2e-6,
        "expected": {
            "loss": float(full_loss),
            "norms": norms.tolist(),
            "clipped": {n: clipped[n].tolist() for n in names},
            "unclipped": {n: unclipped[n].tolist() for n in names},
            "aggregate": {n: aggregate[n].tolist() for n in names},
            "opacus": {n: opacus[n].tolist() for n in names},
            "dice": dice,
        },
    })


def main():
    warnings.filterwarnings("ignore")
    mlp()
    cnn()
    sequence()


if __name__ == "__main__":
    main()
