#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes examples/search/cells.mlir and cells-retrain.mlir: a DARTS cell search space.

What it produces
    cells.mlir: a supernet of one normal cell and one reduction cell in the DARTS layout
    (ALGORITHMS.md 1.1; Liu et al. 2019, model_search.py), scaled down for Fashion-MNIST on
    two cores: a 3x3 convolution stem to C = 8 channels; each cell takes the two previous
    states, has two intermediate nodes (node 2 fed by 2 edges, node 3 by 3) and outputs
    their sum; every edge is a kiln.mixed over DARTS' candidates none, skip_connect,
    max_pool_3x3, avg_pool_3x3, sep_conv_3x3 and dil_conv_3x3; the reduction cell's edges
    from its inputs have stride 2. A global average pool and a linear layer classify.
    The same four search steps as search.mlir (DARTS first and second order, RARTS
    Gauss-Seidel and Jacobi), the same optimizers, and @eval_step.
    cells-retrain.mlir: the same network whose alphas are kiln.architecture ops reading the
    search's checkpoint, trained with Adam (kiln-run --arch).

Where it departs from DARTS, to stay small (documented in the README too)
    one cell of each kind, two intermediate nodes, cells output the sum of their nodes
    rather than the concatenation; no batch normalization; separable and dilated
    convolutions are applied once (ReLU, depthwise 3x3, pointwise 1x1), not twice;
    skip_connect with stride 2 is a 1x1 convolution with stride 2 (DARTS'
    FactorizedReduce concatenates two); average pooling counts the padding.

How to run it (from the repository root; deterministic; no packages needed)
    python3 examples/search/make_cells.py [--output-dir DIR]
"""
import argparse
import os

B, C, H = 64, 8, 28
OPS = ["none", "skip_connect", "max_pool_3x3", "avg_pool_3x3", "sep_conv_3x3", "dil_conv_3x3"]
HERE = os.path.dirname(os.path.abspath(__file__))
_parser = argparse.ArgumentParser()
_parser.add_argument("--output-dir", default=HERE)
OUT = _parser.parse_args().output_dir


def t(*dims):
    return "tensor<" + "x".join(str(d) for d in dims) + "xf32>"


def act(h):
    return t(B, C, h, h)


class Net:
    """Collects weights (name, shape, init) and alphas while writing the forward body."""

    def __init__(self):
        self.weights, self.alphas, self.body, self.n = [], [], [], 0

    def tmp(self):
        self.n += 1
        return f"%t{self.n}"

    def weight(self, name, shape, fan_in):
        bound = 1.0 / fan_in ** 0.5  # torch's default conv init bound (kaiming_uniform a=sqrt(5))
        self.weights.append((name, shape, f"uniform:{bound:.7f}"))
        return "%" + name

    def emit(self, line):
        self.body.append("  " + line)

    def conv(self, x, w, wshape, h_in, stride=1, pad=0, dil=1, groups=1):
        h_out = (h_in + 2 * pad - dil * (wshape[2] - 1) - 1) // stride + 1
        y = self.tmp()
        attrs = [f"padding = array<i64: {pad}, {pad}>"] if pad else []
        if stride != 1:
            attrs.append(f"stride = array<i64: {stride}, {stride}>")
        if dil != 1:
            attrs.append(f"dilation = array<i64: {dil}, {dil}>")
        if groups != 1:
            attrs.append(f"groups = {groups} : i64")
        self.emit(f"{y} = kiln.conv2d {x}, {w} {{{', '.join(attrs)}}} : "
                  f"{t(B, wshape[1] * groups, h_in, h_in)}, "
                  f"{t(*wshape)} -> {t(B, wshape[0], h_out, h_out)}")
        return y, h_out

    def relu(self, x, h):
        y = self.tmp()
        self.emit(f"{y} = kiln.relu {x} : {act(h)}")
        return y

    def edge(self, name, x, h, stride, node):
        """One mixed edge from state x (h x h) with `stride`; returns (output, its size)."""
        outs = []
        h_out = h // stride
        # skip_connect: identity, or a strided 1x1 convolution when reducing.
        if stride == 1:
            outs.append(x)
        else:
            w = self.weight(f"{name}_skip", [C, C, 1, 1], C)
            outs.append(self.conv(x, w, [C, C, 1, 1], h, stride=stride)[0])
        for kind in ("max_pool2d", "avg_pool2d"):
            y = self.tmp()
            s = f", stride = array<i64: {stride}, {stride}>"
            self.emit(f"{y} = kiln.{kind} {x} {{kernel = array<i64: 3, 3>{s}, padding = "
                      f"array<i64: 1, 1>}} : {act(h)} -> {act(h_out)}")
            outs.append(y)
        for kind, dil in (("sep", 1), ("dil", 2)):
            r = self.relu(x, h)
            dw = self.weight(f"{name}_{kind}_dw", [C, 1, 3, 3], 9)
            d, _ = self.conv(r, dw, [C, 1, 3, 3], h, stride=stride, pad=dil, dil=dil, groups=C)
            pw = self.weight(f"{name}_{kind}_pw", [C, C, 1, 1], C)
            outs.append(self.conv(d, pw, [C, C, 1, 1], h_out)[0])
        a = "%a_" + name
        self.alphas.append((name, len(OPS)))
        y = self.tmp()
        self.emit(f"{y} = kiln.mixed {a} [{', '.join(outs)}] {{ops = [{', '.join(repr(o).replace(chr(39), chr(34)) for o in OPS)}], node = {node} : i64}}")
        self.body[-1] += (f"\n      : tensor<{len(OPS)}xf32>, [{', '.join([act(h_out)] * len(outs))}]"
                          f" -> {act(h_out)}")
        return y, h_out

    def add(self, xs, h):
        acc = xs[0]
        for x in xs[1:]:
            y = self.tmp()
            self.emit(f"{y} = arith.addf {acc}, {x} : {act(h)}")
            acc = y
        return acc

    def cell(self, prefix, s0, s1, h, reduce, first_node):
        stride = 2 if reduce else 1
        n2_in = [self.edge(f"{prefix}_0_2", s0, h, stride, first_node)[0],
                 self.edge(f"{prefix}_1_2", s1, h, stride, first_node)[0]]
        h2 = h // stride
        n2 = self.add(n2_in, h2)
        n3_in = [self.edge(f"{prefix}_0_3", s0, h, stride, first_node + 1)[0],
                 self.edge(f"{prefix}_1_3", s1, h, stride, first_node + 1)[0],
                 self.edge(f"{prefix}_2_3", n2, h2, 1, first_node + 1)[0]]
        n3 = self.add(n3_in, h2)
        return self.add([n2, n3], h2), h2


def build():
    net = Net()
    x = "%x"
    w = net.weight("stem", [C, 1, 3, 3], 9)
    s, h = net.conv(x, w, [C, 1, 3, 3], H, pad=1)
    stem = net.relu(s, h)
    normal, h = net.cell("normal", stem, stem, H, False, 2)
    reduce_, h = net.cell("reduce", stem, normal, H, True, 4)
    pooled = net.tmp()
    net.emit(f"{pooled} = kiln.global_avg_pool {reduce_} : {act(h)} -> {t(B, C)}")
    head = net.weight("head", [C, 10], C)
    bias = net.weight("head_b", [10], C)
    o = net.tmp()
    net.emit(f"{o} = kiln.matmul {pooled}, {head} : {t(B, C)}, {t(C, 10)} -> {t(B, 10)}")
    logits = net.tmp()
    net.emit(f"{logits} = kiln.bias_add {o}, {bias} : {t(B, 10)}, {t(10)}")
    return net, logits


net, logits = build()
W = [(n, s) for n, s, _ in net.weights]
INIT = {n: i for n, _, i in net.weights}
A = [(n, [k]) for n, k in net.alphas]
NW, NA = len(W), len(A)
WT = [t(*s) for _, s in W]
AT = [t(*s) for _, s in A]
X, Y = t(B, 1, H, H), f"tensor<{B}xi64>"
LOSS_T = "(" + ", ".join(WT + AT + [X, Y]) + ")"
wn = ["%" + n for n, _ in W]
an = ["%a_" + n for n, _ in A]


def forward():
    args = [f"%{n}: {ty}" for (n, _), ty in zip(W, WT)] + [f"%a_{n}: {ty}" for (n, _), ty in zip(A, AT)]
    return (f"func.func private @forward({', '.join(args)}, %x: {X}) -> {t(B, 10)} {{\n"
            + "\n".join(net.body) + f"\n  return {logits} : {t(B, 10)}\n}}\n")


def loss():
    args = [f"%{n}: {ty}" for (n, _), ty in zip(W, WT)] + [f"%a_{n}: {ty}" for (n, _), ty in zip(A, AT)]
    return (f"func.func private @loss({', '.join(args)}, %x: {X}, %y: {Y}) -> tensor<f32> {{\n"
            f"  %logits = func.call @forward({', '.join(wn + an)}, %x) : ({', '.join(WT + AT + [X])}) -> {t(B, 10)}\n"
            f"  %l = kiln.softmax_cross_entropy %logits, %y : {t(B, 10)}, {Y} -> tensor<f32>\n"
            "  return %l : tensor<f32>\n}\n")


def vg(loss_name, grads, ws, as_, x, y, wrt):
    outs = ["tensor<f32>"] + [(WT + AT)[i] for i in wrt]
    names = [loss_name or "%unused_" + grads[0][1:]] + grads
    return (f"  {', '.join(names)} = kiln.value_and_grad @loss({', '.join(ws + as_ + [x, y])}) "
            f"wrt [{', '.join(map(str, wrt))}]\n      : {LOSS_T} -> ({', '.join(outs)})\n")


def sched():
    return ("  %one = arith.constant dense<1> : tensor<i64>\n"
            "  %t = arith.addi %step, %one : tensor<i64>\n"
            "  // Weights: SGD with momentum 0.9, weight decay 3e-4, DARTS' cosine schedule from\n"
            "  // 0.025 to 0.001 (over 10 epochs of 468 steps), global-norm clipping at 5.\n"
            "  %lr = kiln.cosine_decay_schedule %step {init_value = 0.025 : f64, decay_steps = 4680 : i64, alpha = 0.04 : f64}\n")


def alpha_adam(grads):
    s = ("  // Architecture: Adam, betas (0.5, 0.999), L2 decay 1e-3 as DARTS; lr 3e-3, ten times\n"
         "  // DARTS' for a search of 10 epochs rather than 50.\n")
    for (n, sz), g in zip(A, grads):
        s += (f"  %na_{n}, %nm_{n}, %nv_{n} = kiln.adam %a_{n}, {g}, %m_{n}, %v_{n} step(%t) "
              f"{{lr = 3.0e-3 : f64, beta1 = 0.5 : f64, weight_decay = 1.0e-3 : f64}} : {t(*sz)}\n")
    return s


def weight_step(src, grads, out, buf):
    s = f"  %clip_{out}:{NW} = kiln.clip_by_global_norm {', '.join(grads)} {{max_norm = 5.0 : f64}}\n      : {', '.join(WT)}\n"
    for i, (n, sz) in enumerate(W):
        s += (f"  %{out}{n}, %{out}buf_{n} = kiln.momentum %{src}{n}, %clip_{out}#{i}, %{buf}{n} lr(%lr) "
              f"{{momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64}} : {t(*sz)}\n")
    return s


def arg(name, ty, init):
    return f"%{name}: {ty} {{kiln.init = \"{init}\"}}"


DATA = [f'%x: {X} {{kiln.data = "images"}}', f'%y: {Y} {{kiln.data = "labels"}}',
        f'%xv: {X} {{kiln.data = "val_images"}}', f'%yv: {Y} {{kiln.data = "val_labels"}}']
STATE_W = [arg(n, ty, INIT[n]) for (n, _), ty in zip(W, WT)]
STATE_A = [arg("a_" + n, ty, "normal:0.001") for (n, _), ty in zip(A, AT)]
BUF = lambda p: [arg(p + n, ty, "zeros") for (n, _), ty in zip(W, WT)]
ADAM = [arg("m_" + n, ty, "zeros") for (n, _), ty in zip(A, AT)] + \
       [arg("v_" + n, ty, "zeros") for (n, _), ty in zip(A, AT)]
STEP = ['%step: tensor<i64> {kiln.init = "zeros"}']


def func(name, comment, args, body, vals, types):
    return (comment + f"func.func @{name}(" + ",\n    ".join(args) + f")\n    -> ({', '.join(types)}) {{\n"
            + body + f"  return {', '.join(vals)}\n      : {', '.join(types)}\n}}\n")


def darts_outputs():
    vals = [f"%nw_{n}" for n, _ in W] + [f"%na_{n}" for n, _ in A] + [f"%nw_buf_{n}" for n, _ in W] + \
           [f"%nm_{n}" for n, _ in A] + [f"%nv_{n}" for n, _ in A] + ["%t", "%loss"]
    return vals, WT + AT + WT + AT + AT + ["tensor<i64>", "tensor<f32>"]


def darts_finish(name, comment, body, note):
    """DARTS' end of an iteration: Adam on alpha's gradient %ga_*, then the weight step on
    the train batch with the updated alphas."""
    body += alpha_adam([f"%ga_{n}" for n, _ in A]) + note
    body += vg("%loss", [f"%g_{n}" for n, _ in W], wn, [f"%na_{n}" for n, _ in A], "%x", "%y", list(range(NW)))
    body += weight_step("", [f"%g_{n}" for n, _ in W], "nw_", "buf_")
    return func(name, comment, STATE_W + STATE_A + BUF("buf_") + ADAM + STEP + DATA, body,
                *darts_outputs())


def darts1():
    body = sched() + "  // The architecture step first, at the current weights, on the val batch.\n"
    body += vg(None, [f"%ga_{n}" for n, _ in A], wn, an, "%xv", "%yv", list(range(NW, NW + NA)))
    return darts_finish("train_step", "// DARTS, first order (ALGORITHMS.md 1.2).\n", body,
                        "  // Then the weight step on the train batch, with the updated architecture.\n")


def darts2():
    body = sched() + "  // Unrolled weights w' = w - xi (momentum buf + grad_w L_train + wd w), xi = lr.\n"
    body += vg("%l_unroll", [f"%gu_{n}" for n, _ in W], wn, an, "%x", "%y", list(range(NW)))
    for n, sz in W:
        body += (f"  %u_{n}, %ub_{n} = kiln.momentum %{n}, %gu_{n}, %buf_{n} lr(%lr) "
                 f"{{momentum = 0.9 : f64, weight_decay = 3.0e-4 : f64}} : {t(*sz)}\n")
    body += "  // g0 = grad_alpha L_val(w', alpha) and v = grad_w' L_val(w', alpha), one backward.\n"
    body += vg("%l_val", [f"%v_{n}" for n, _ in W] + [f"%g0_{n}" for n, _ in A],
               [f"%u_{n}" for n, _ in W], an, "%xv", "%yv", list(range(NW + NA)))
    body += "  // R = 0.01 / ||v|| over all weights (guarded at ||v|| = 0).\n"
    acc = None
    for n, sz in W:
        body += (f"  %vv_{n} = arith.mulf %v_{n}, %v_{n} : {t(*sz)}\n"
                 f"  %sv_{n} = kiln.sum %vv_{n} : {t(*sz)} -> tensor<f32>\n")
        if acc is None:
            acc = f"%sv_{n}"
        else:
            body += f"  %acc_{n} = arith.addf {acc}, %sv_{n} : tensor<f32>\n"
            acc = f"%acc_{n}"
    body += (f"  %norm = math.sqrt {acc} : tensor<f32>\n"
             "  %tiny = arith.constant dense<1.0e-30> : tensor<f32>\n"
             "  %norm_safe = arith.maximumf %norm, %tiny : tensor<f32>\n"
             "  %r = arith.constant dense<0.01> : tensor<f32>\n"
             "  %big_r = arith.divf %r, %norm_safe : tensor<f32>\n")
    for n, sz in W:
        ty = t(*sz)
        body += (f"  %rv_{n} = kiln.mul %big_r, %v_{n} : tensor<f32>, {ty} -> {ty}\n"
                 f"  %wp_{n} = arith.addf %{n}, %rv_{n} : {ty}\n  %wm_{n} = arith.subf %{n}, %rv_{n} : {ty}\n")
    body += "  // hvp = (grad_alpha L_train(w+) - grad_alpha L_train(w-)) / 2R; g = g0 - xi hvp.\n"
    body += vg(None, [f"%gp_{n}" for n, _ in A], [f"%wp_{n}" for n, _ in W], an, "%x", "%y", list(range(NW, NW + NA)))
    body += vg(None, [f"%gm_{n}" for n, _ in A], [f"%wm_{n}" for n, _ in W], an, "%x", "%y", list(range(NW, NW + NA)))
    body += ("  %two = arith.constant dense<2.0> : tensor<f32>\n  %two_r = arith.mulf %two, %big_r : tensor<f32>\n"
             "  %coef = arith.divf %lr, %two_r : tensor<f32>\n")
    for n, sz in A:
        ty = t(*sz)
        body += (f"  %d_{n} = arith.subf %gp_{n}, %gm_{n} : {ty}\n"
                 f"  %h_{n} = kiln.mul %coef, %d_{n} : tensor<f32>, {ty} -> {ty}\n"
                 f"  %ga_{n} = arith.subf %g0_{n}, %h_{n} : {ty}\n")
    return darts_finish("darts2_step", "// DARTS, second order (ALGORITHMS.md 1.2).\n", body,
                        "  // The weight step, as in first order.\n")


def coupled(out, grad, a, b, tag):
    """RARTS' coupled gradient: %out = %grad + beta (%a - %b), per weight."""
    s = ""
    for n, sz in W:
        ty = t(*sz)
        s += (f"  %d{tag}_{n} = arith.subf %{a}{n}, %{b}{n} : {ty}\n"
              f"  %c{tag}_{n} = kiln.mul %beta, %d{tag}_{n} : tensor<f32>, {ty} -> {ty}\n"
              f"  %{out}{n} = arith.addf %{grad}{n}, %c{tag}_{n} : {ty}\n")
    return s


def rarts(jacobi):
    yn = [f"%y_{n}" for n, _ in W]
    body = sched() + ("  // lambda = 1 and beta = 0.1: user hyperparameters (ALGORITHMS.md 1.3).\n"
                      "  %beta = arith.constant dense<0.1> : tensor<f32>\n")
    wrt_w = list(range(NW + NA)) if jacobi else list(range(NW))
    extra_a = [f"%gA_{n}" for n, _ in A] if jacobi else []
    body += vg("%loss", [f"%g_{n}" for n, _ in W] + extra_a, wn, an, "%x", "%y", wrt_w)
    body += coupled("G_", "g_", "", "y_", "wy")
    body += weight_step("", [f"%G_{n}" for n, _ in W], "nw_", "buf_")
    extra_b = [f"%gb_{n}" for n, _ in A] if jacobi else []
    body += vg("%loss_b", [f"%gy_{n}" for n, _ in W] + extra_b, yn, an, "%xv", "%yv", wrt_w)
    body += coupled("Gy_", "gy_", "y_", "nw_", "yw")
    body += weight_step("y_", [f"%Gy_{n}" for n, _ in W], "ny_", "ybuf_")
    if not jacobi:
        body += "  // alpha at the new weights: grad_alpha L_B(y1) + lambda grad_alpha L_A(w1).\n"
        body += vg(None, [f"%gb_{n}" for n, _ in A], [f"%ny_{n}" for n, _ in W], an, "%xv", "%yv", list(range(NW, NW + NA)))
        body += vg(None, [f"%gA_{n}" for n, _ in A], [f"%nw_{n}" for n, _ in W], an, "%x", "%y", list(range(NW, NW + NA)))
    for n, sz in A:
        body += f"  %ga_{n} = arith.addf %gb_{n}, %gA_{n} : {t(*sz)}\n"
    body += alpha_adam([f"%ga_{n}" for n, _ in A])
    vals = [f"%nw_{n}" for n, _ in W] + [f"%na_{n}" for n, _ in A] + [f"%ny_{n}" for n, _ in W] + \
           [f"%nw_buf_{n}" for n, _ in W] + [f"%ny_buf_{n}" for n, _ in W] + \
           [f"%nm_{n}" for n, _ in A] + [f"%nv_{n}" for n, _ in A] + ["%t", "%loss"]
    types = WT + AT + WT + WT + WT + AT + AT + ["tensor<i64>", "tensor<f32>"]
    args = STATE_W + STATE_A + [arg("y_" + n, ty, INIT[n]) for (n, _), ty in zip(W, WT)] + \
        BUF("buf_") + BUF("ybuf_") + ADAM + STEP + DATA
    name = "rarts_jacobi_step" if jacobi else "rarts_step"
    comment = ("// RARTS, alpha from the weights' own backward passes (Jacobi in alpha).\n" if jacobi
               else "// RARTS (ALGORITHMS.md 1.3): one Gauss-Seidel sweep over w, y and alpha.\n")
    return func(name, comment, args, body, vals, types)


def eval_step(with_alpha):
    args = [f"%{n}: {ty}" for (n, _), ty in zip(W, WT)]
    call = wn[:]
    types = WT[:]
    if with_alpha:
        args += [f"%a_{n}: {ty}" for (n, _), ty in zip(A, AT)]
        call += an
        types += AT
    return (f"func.func @eval_step({', '.join(args)},\n    %x: {X} {{kiln.data = \"images\"}}, "
            f"%y: {Y} {{kiln.data = \"labels\"}}) -> (tensor<f32>, tensor<i64>) {{\n"
            f"  %logits = func.call @{'forward' if with_alpha else 'model'}({', '.join(call)}, %x) : ({', '.join(types + [X])}) -> {t(B, 10)}\n"
            f"  %l = kiln.softmax_cross_entropy %logits, %y : {t(B, 10)}, {Y} -> tensor<f32>\n"
            f"  %c = kiln.count_correct %logits, %y : {t(B, 10)}, {Y}\n"
            "  return %l, %c : tensor<f32>, tensor<i64>\n}\n")


HEADER = """// Generated by examples/search/make_cells.py; edit that, not this.
"""

search = (HEADER + """// A DARTS cell search space on Fashion-MNIST: one normal and one reduction cell, each
// with two intermediate nodes over DARTS' candidates, searched by DARTS first order
// (@train_step), second order (@darts2_step) or RARTS (@rarts_step, @rarts_jacobi_step):
//
//     kiln-run examples/search/cells.mlir --train fashion-mnist --epochs 10 \\
//         [--entry rarts_step] --checkpoint cells.st
//
// Batches of 64 from each half of the training data (kiln.data images / val_images).
""" + forward() + loss() + darts1() + darts2() + rarts(False) + rarts(True) + eval_step(True))
open(os.path.join(OUT, "cells.mlir"), "w").write(search)

# The retraining program: the alphas are the search step's inputs #NW.. (after the weights).
model_args = [f"%{n}: {ty}" for (n, _), ty in zip(W, WT)]
binds = "".join(f"  %a_{n} = kiln.architecture {{input = {NW + i} : i64}} : {ty}\n"
                for i, ((n, _), ty) in enumerate(zip(A, AT)))
model = (f"func.func private @model({', '.join(model_args)}, %x: {X}) -> {t(B, 10)} {{\n"
         "  // The searched alphas: inputs after the weights in every search step of cells.mlir.\n"
         + binds + f"  %logits = func.call @forward({', '.join(wn + an)}, %x) : ({', '.join(WT + AT + [X])}) -> {t(B, 10)}\n"
         f"  return %logits : {t(B, 10)}\n}}\n")
rloss = (f"func.func private @rloss({', '.join(model_args)}, %x: {X}, %y: {Y}) -> tensor<f32> {{\n"
         f"  %logits = func.call @model({', '.join(wn)}, %x) : ({', '.join(WT + [X])}) -> {t(B, 10)}\n"
         f"  %l = kiln.softmax_cross_entropy %logits, %y : {t(B, 10)}, {Y} -> tensor<f32>\n"
         "  return %l : tensor<f32>\n}\n")
body = (f"  %loss, {', '.join('%g_' + n for n, _ in W)} = kiln.value_and_grad @rloss({', '.join(wn + ['%x', '%y'])}) "
        f"wrt [{', '.join(map(str, range(NW)))}]\n      : ({', '.join(WT + [X, Y])}) -> (tensor<f32>, {', '.join(WT)})\n"
        "  %one = arith.constant dense<1> : tensor<i64>\n  %t = arith.addi %step, %one : tensor<i64>\n")
for n, sz in W:
    body += f"  %u_{n}, %um_{n}, %uv_{n} = kiln.adam %{n}, %g_{n}, %m_{n}, %v_{n} step(%t) {{lr = 1.0e-3 : f64}} : {t(*sz)}\n"
vals = [f"%u_{n}" for n, _ in W] + [f"%um_{n}" for n, _ in W] + [f"%uv_{n}" for n, _ in W] + ["%t", "%loss"]
types = WT * 3 + ["tensor<i64>", "tensor<f32>"]
args = STATE_W + [arg("m_" + n, ty, "zeros") for (n, _), ty in zip(W, WT)] + \
    [arg("v_" + n, ty, "zeros") for (n, _), ty in zip(W, WT)] + STEP + DATA[:2]
retrain = (HEADER + """// Retraining the cell architecture a search of cells.mlir derived, from scratch, with Adam
// (lr 1e-3) on the whole training set:
//
//     kiln-run examples/search/cells-retrain.mlir --arch cells.st --train fashion-mnist --epochs 10
//
// --arch binds the kiln.architecture ops to the search's alphas and derives the cells:
// each edge keeps its strongest candidate other than "none", each node its two strongest
// edges (the others become zero), and the unchosen candidates' computations go away.
""" + forward() + model + rloss + func("train_step", "", args, body, vals, types) + eval_step(False))
open(os.path.join(OUT, "cells-retrain.mlir"), "w").write(retrain)
print(f"{NW} weight tensors, {NA} edges of {len(OPS)} candidates")
