#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes test/e2e/golden/batch_norm.mlir: kiln.batch_norm against torch.nn.BatchNorm.

What it produces
    One lit test (a kiln program with its RUN lines) that compiles kiln.batch_norm on fixed
    inputs and compares every output element with the values PyTorch computed for the same
    inputs, which the file holds as constants. The tests only read the file; they never
    run this script, so PyTorch is not needed to test Kiln.

    Each entry point takes no arguments and returns the number of elements off (see TOL),
    then the final running statistics for a reader of kiln-run's output:
      - bn2d_{f32,f64}: torch.nn.BatchNorm2d(3, eps=1e-5, momentum=0.1) on [2, 3, 2, 2]
        inputs: two training steps (the running statistics of step 1 feed step 2), then
        evaluation on the first input with the updated running statistics, which must come
        back unchanged;
      - bn1d_{f32,f64}: torch.nn.BatchNorm1d(3, eps=1e-3, momentum=0.3) on [4, 3] rows:
        one training step, then evaluation;
      - bn2d_biased_var_f32: a control that must fail: step 1's running variance compared
        with the update made with the biased batch variance (a classic mistake; PyTorch
        uses the unbiased one), so every one of its 3 elements must be counted off.
    The inputs are fixed formulas (sines of the flat index, scaled per channel), rounded to
    the dtype and written so that they read back exactly; the float32 references are
    torch's float32 computation, the float64 ones its float64 computation.

How to run it (from the repository root; rerunnable, deterministic)
    pip install torch numpy
    python3 scripts/golden/make_layer_goldens.py      # or --output PATH
    /usr/lib/llvm-22/bin/lit -v build/test/e2e        # no rebuild needed
"""

import argparse
import os
import sys

import numpy as np
import torch

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_OUTPUT = os.path.join(REPO, "test", "e2e", "golden", "batch_norm.mlir")

# An element is off when |kiln - torch| > TOL * max(1, |torch|).
TOL = {"f32": 1e-6, "f64": 1e-12}
DTYPES = {"f32": (torch.float32, np.float32), "f64": (torch.float64, np.float64)}


def enc(x, ty):
    """A decimal MLIR float literal that reads back as exactly x in dtype ty."""
    npt = DTYPES[ty][1]
    x = npt(x)
    if not np.isfinite(x):
        raise ValueError("non-finite golden value")
    s = np.format_float_scientific(x, unique=True, trim="0")
    if npt(float(s)).tobytes() != x.tobytes():
        raise AssertionError(f"{s} does not round-trip to {ty} {x!r}")
    return s


def dense(t, ty):
    """An MLIR dense literal of a tensor (nested brackets)."""
    a = t.detach().cpu().numpy()

    def rec(v):
        if v.ndim == 0:
            return enc(v, ty)
        return "[" + ", ".join(rec(e) for e in v) + "]"

    return f"dense<{rec(a)}>"


def tensor_type(shape, ty):
    return "tensor<" + "".join(f"{d}x" for d in shape) + ty + ">"


def inputs(shape, ty, phase):
    """x: sin of the flat index (with a phase), times 1 + channel / 2, plus 0.25 * channel,
    so channels differ in mean and spread."""
    tdt = DTYPES[ty][0]
    n = int(np.prod(shape))
    i = torch.arange(n, dtype=torch.float64).reshape(shape)
    c = torch.arange(shape[1], dtype=torch.float64).reshape([1, shape[1]] + [1] * (len(shape) - 2))
    x = torch.sin(0.7 * i + phase) * (1.0 + 0.5 * c) + 0.25 * c
    return x.to(tdt)


def channel_params(ty):
    tdt = DTYPES[ty][0]
    t = lambda v: torch.tensor(v, dtype=torch.float64).to(tdt)  # noqa: E731
    return {
        "gamma": t([0.5, -1.25, 2.0]),
        "beta": t([0.1, 0.0, -0.3]),
        "running_mean": t([0.1, -0.2, 0.3]),
        "running_var": t([1.0, 0.5, 2.0]),
    }


HELPERS = {}


def helper_name(ty):
    return "off_" + ty[len("tensor<"):-1]


def helper(ty, element, shape):
    """A private function counting the elements with |got - want| > TOL * max(1, |want|);
    NaN counts as off (an ordered comparison fails). kiln-compile inlines it."""
    i1 = tensor_type(shape, "i1")
    return "\n".join([
        f"func.func private @{helper_name(ty)}(%got: {ty}, %want: {ty}) -> tensor<{element}> {{",
        f"  %one = arith.constant dense<1.0> : {ty}",
        f"  %zero = arith.constant dense<0.0> : {ty}",
        f"  %tol = arith.constant dense<{TOL[element]:.1e}> : {ty}",
        f"  %d = arith.subf %got, %want : {ty}",
        f"  %err = math.absf %d : {ty}",
        f"  %mag = math.absf %want : {ty}",
        f"  %scale = arith.maximumf %mag, %one : {ty}",
        f"  %limit = arith.mulf %scale, %tol : {ty}",
        f"  %ok = arith.cmpf ole, %err, %limit : {ty}",
        f"  %off = arith.select %ok, %zero, %one : {i1}, {ty}",
        f"  %n = kiln.sum %off : {ty} -> tensor<{element}>",
        f"  return %n : tensor<{element}>",
        "}"])


class Program:
    """One entry point: constants, kiln.batch_norm calls and element-wise comparisons."""

    def __init__(self, name, ty):
        self.name, self.ty, self.lines, self.counts, self.n = name, ty, [], [], 0

    def fresh(self, stem):
        self.n += 1
        return f"%{stem}{self.n}"

    def const(self, t, stem="c"):
        v = self.fresh(stem)
        self.lines.append(f"  {v} = arith.constant {dense(t, self.ty)} : "
                          f"{tensor_type(list(t.shape), self.ty)}")
        return v

    def batch_norm(self, x, shape, p, rm, rv, attrs):
        y, m1, v1 = self.fresh("y"), self.fresh("rm"), self.fresh("rv")
        self.lines.append(f"  {y}, {m1}, {v1} = kiln.batch_norm {x}, {p['gamma']}, {p['beta']}, "
                          f"{rm}, {rv} {attrs} : {tensor_type(shape, self.ty)}, "
                          f"{tensor_type([shape[1]], self.ty)}")
        return y, m1, v1

    def compare(self, got, want):
        """Counts the elements of `got` off from the torch tensor `want` (off_<type> below)."""
        ty = tensor_type(list(want.shape), self.ty)
        w = self.const(want, "want")
        n = self.fresh("n")
        self.lines.append(f"  {n} = func.call @{helper_name(ty)}({got}, {w}) : ({ty}, {ty}) -> "
                          f"tensor<{self.ty}>")
        HELPERS.setdefault(helper_name(ty), helper(ty, self.ty, list(want.shape)))
        self.counts.append(n)

    def text(self, shown):
        """The function; returns the total count, then the values in `shown` (name, type)."""
        lines = list(self.lines)
        total = self.counts[0]
        for c in self.counts[1:]:
            t = self.fresh("total")
            lines.append(f"  {t} = arith.addf {total}, {c} : tensor<{self.ty}>")
            total = t
        values = [total] + [v for v, _ in shown]
        types = [f"tensor<{self.ty}>"] + [t for _, t in shown]
        head = f"func.func @{self.name}() -> ({', '.join(types)}) {{"
        return "\n".join([head] + lines + [f"  return {', '.join(values)} : {', '.join(types)}",
                                           "}"])


def attrs(momentum, eps, training):
    return (f"{{momentum = {enc(momentum, 'f64')} : f64, eps = {enc(eps, 'f64')} : f64, "
            f"training = {'true' if training else 'false'}}}")


def bn2d(ty, biased_control=False):
    shape = [2, 3, 2, 2]
    p0 = channel_params(ty)
    bn = torch.nn.BatchNorm2d(3, eps=1e-5, momentum=0.1, dtype=DTYPES[ty][0])
    with torch.no_grad():
        bn.weight.copy_(p0["gamma"])
        bn.bias.copy_(p0["beta"])
        bn.running_mean.copy_(p0["running_mean"])
        bn.running_var.copy_(p0["running_var"])
    x1, x2 = inputs(shape, ty, 0.0), inputs(shape, ty, 1.3)
    name = "bn2d_biased_var_f32" if biased_control else f"bn2d_{ty}"
    prog = Program(name, ty)
    p = {k: prog.const(v, k) for k, v in p0.items()}
    a = attrs(0.1, 1e-5, True)
    cx1 = prog.const(x1, "x")
    bn.train()
    with torch.no_grad():
        y1 = bn(x1)
    rm1, rv1 = bn.running_mean.clone(), bn.running_var.clone()
    ky1, krm1, krv1 = prog.batch_norm(cx1, shape, p, p["running_mean"], p["running_var"], a)
    if biased_control:
        biased = x1.transpose(0, 1).reshape(3, -1).var(dim=1, unbiased=False)
        prog.compare(krv1, 0.9 * p0["running_var"] + 0.1 * biased)
        return prog.text([(krv1, tensor_type([3], ty))])
    prog.compare(ky1, y1)
    prog.compare(krm1, rm1)
    prog.compare(krv1, rv1)
    cx2 = prog.const(x2, "x")
    with torch.no_grad():
        y2 = bn(x2)
    rm2, rv2 = bn.running_mean.clone(), bn.running_var.clone()
    ky2, krm2, krv2 = prog.batch_norm(cx2, shape, p, krm1, krv1, a)
    prog.compare(ky2, y2)
    prog.compare(krm2, rm2)
    prog.compare(krv2, rv2)
    bn.eval()
    with torch.no_grad():
        y3 = bn(x1)
    ky3, krm3, krv3 = prog.batch_norm(cx1, shape, p, krm2, krv2, attrs(0.1, 1e-5, False))
    prog.compare(ky3, y3)
    prog.compare(krm3, bn.running_mean)
    prog.compare(krv3, bn.running_var)
    vt = tensor_type([3], ty)
    return prog.text([(krm2, vt), (krv2, vt)])


def bn1d(ty):
    shape = [4, 3]
    p0 = channel_params(ty)
    bn = torch.nn.BatchNorm1d(3, eps=1e-3, momentum=0.3, dtype=DTYPES[ty][0])
    with torch.no_grad():
        bn.weight.copy_(p0["gamma"])
        bn.bias.copy_(p0["beta"])
        bn.running_mean.copy_(p0["running_mean"])
        bn.running_var.copy_(p0["running_var"])
    x = inputs(shape, ty, 0.4)
    prog = Program(f"bn1d_{ty}", ty)
    p = {k: prog.const(v, k) for k, v in p0.items()}
    cx = prog.const(x, "x")
    bn.train()
    with torch.no_grad():
        y1 = bn(x)
    ky1, krm1, krv1 = prog.batch_norm(cx, shape, p, p["running_mean"], p["running_var"],
                                      attrs(0.3, 1e-3, True))
    prog.compare(ky1, y1)
    prog.compare(krm1, bn.running_mean)
    prog.compare(krv1, bn.running_var)
    bn.eval()
    with torch.no_grad():
        y2 = bn(x)
    ky2, _, _ = prog.batch_norm(cx, shape, p, krm1, krv1, attrs(0.3, 1e-3, False))
    prog.compare(ky2, y2)
    vt = tensor_type([3], ty)
    return prog.text([(krm1, vt), (krv1, vt)])


HEADER = """\
// Generated by scripts/golden/make_layer_goldens.py (torch {torch}, numpy {numpy}, python
// {python}); do not edit by hand: rerun the script.
//
// kiln.batch_norm against torch.nn.BatchNorm2d / BatchNorm1d (training: batch statistics,
// biased variance for y, running statistics updated with the unbiased variance; eval:
// running statistics, returned unchanged). The torch outputs are the `want` constants;
// each entry point returns how many elements are off by more than {tol32:.0e} (f32) or
// {tol64:.0e} (f64) times max(1, |torch|), which must be 0, then its running statistics.
// bn2d_biased_var_f32 is a control: a running variance updated with the biased batch
// variance, which torch does not do, so all 3 of its elements must be off.
// RUN: kiln-compile %s -o %t.so
// RUN: kiln-run %t.so -e bn2d_f32 | FileCheck %s --check-prefix=OK32
// RUN: kiln-run %t.so -e bn2d_f64 | FileCheck %s --check-prefix=OK64
// RUN: kiln-run %t.so -e bn1d_f32 | FileCheck %s --check-prefix=OK32
// RUN: kiln-run %t.so -e bn1d_f64 | FileCheck %s --check-prefix=OK64
// RUN: kiln-run %t.so -e bn2d_biased_var_f32 | FileCheck %s --check-prefix=CONTROL

// OK32: result 0: f32[] [0]{{{{$}}}}
// OK64: result 0: f64[] [0]{{{{$}}}}
// CONTROL: result 0: f32[] [3]{{{{$}}}}
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--output", default=DEFAULT_OUTPUT)
    args = ap.parse_args()
    torch.set_num_threads(1)
    parts = [HEADER.format(torch=torch.__version__, numpy=np.__version__,
                           python=sys.version.split()[0], tol32=TOL["f32"], tol64=TOL["f64"])]
    parts += [bn2d("f32"), bn2d("f64"), bn1d("f32"), bn1d("f64"), bn2d("f32", biased_control=True)]
    parts += [HELPERS[k] for k in sorted(HELPERS)]
    text = "\n\n".join(parts) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "w") as f:
        f.write(text)
    print(f"wrote {args.output} ({len(text)} bytes)")


if __name__ == "__main__":
    main()
