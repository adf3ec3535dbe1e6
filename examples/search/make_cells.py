#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes examples/search/cells.mlir, cells-retrain.mlir and cells-ntk-score.mlir: a DARTS
cell search space.

What it produces
    cells.mlir: a supernet of one normal cell and one reduction cell in the DARTS layout
    (docs/algorithms.md §1.1; Liu et al. 2019, model_search.py), scaled down for Fashion-MNIST on
    two cores: a 3x3 convolution stem to C = 8 channels; each cell takes the two previous
    states, has two intermediate nodes (node 2 fed by 2 edges, node 3 by 3) and outputs
    their sum; every edge is a kiln.mixed over DARTS' candidates none, skip_connect,
    max_pool_3x3, avg_pool_3x3, sep_conv_3x3 and dil_conv_3x3; the reduction cell's edges
    from its inputs have stride 2. A global average pool and a linear layer classify.
    A kiln.search_step with the same optimizers as search.mlir, so one program searches
    with DARTS first or second order or RARTS (Gauss-Seidel or Jacobi; --search), and
    @eval_step.
    cells-retrain.mlir: the same network whose alphas are kiln.architecture ops reading the
    search's checkpoint, trained with Adam (kiln-run --arch).
    cells-ntk-score.mlir: the same network on a batch of 16 with its alphas as inputs, and
    @ntk_score: TE-NAS' train-free score, the condition number of the empirical NTK of the
    summed logits with respect to the weights (ntk_rank.py --space cells).

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
    """The supernet's loss on one batch: the weights carry their initialisers, the data its
    fields, so that kiln-search-step can write the search step from it."""
    args = [f"%{n}: {ty} {{kiln.init = \"{INIT[n]}\"}}" for (n, _), ty in zip(W, WT)] + \
        [f"%a_{n}: {ty}" for (n, _), ty in zip(A, AT)]
    sep = ",\n    "
    return (f"func.func private @loss({sep.join(args)},\n    %x: {X} {{kiln.data = \"images\"}}, "
            f"%y: {Y} {{kiln.data = \"labels\"}}) -> tensor<f32> {{\n"
            f"  %logits = func.call @forward({', '.join(wn + an)}, %x) : ({', '.join(WT + AT + [X])}) -> {t(B, 10)}\n"
            f"  %l = kiln.softmax_cross_entropy %logits, %y : {t(B, 10)}, {Y} -> tensor<f32>\n"
            "  return %l : tensor<f32>\n}\n")


def search_step():
    """One declaration for every method: kiln-search-step writes @train_step from @loss."""
    alphas = ", ".join(str(NW + i) for i in range(NA))
    return ("// DARTS' optimizers: SGD with momentum 0.9, weight decay 3e-4 and global-norm clipping\n"
            "// at 5 for the weights, on a cosine schedule from 0.025 to 0.001 over 10 epochs of 468\n"
            "// steps; Adam with betas (0.5, 0.999) and L2 decay 1e-3 for alpha, at 3e-3 (ten times\n"
            "// DARTS' rate, for 10 epochs rather than 50). RARTS: lambda = 1, beta = 0.1.\n"
            f"kiln.search_step @train_step(@loss) {{method = \"darts1\", architecture = array<i64: {alphas}>,\n"
            "    decay_steps = 4680 : i64, lr = 0.025 : f64, lr_min = 0.001 : f64, momentum = 0.9 : f64,\n"
            "    weight_decay = 3.0e-4 : f64, max_grad_norm = 5.0 : f64, arch_lr = 3.0e-3 : f64,\n"
            "    arch_beta1 = 0.5 : f64, arch_beta2 = 0.999 : f64, arch_weight_decay = 1.0e-3 : f64,\n"
            "    lambda = 1.0 : f64, beta = 0.1 : f64}\n")


def arg(name, ty, init):
    return f"%{name}: {ty} {{kiln.init = \"{init}\"}}"


DATA = [f'%x: {X} {{kiln.data = "images"}}', f'%y: {Y} {{kiln.data = "labels"}}',
        f'%xv: {X} {{kiln.data = "val_images"}}', f'%yv: {Y} {{kiln.data = "val_labels"}}']
STATE_W = [arg(n, ty, INIT[n]) for (n, _), ty in zip(W, WT)]
STEP = ['%step: tensor<i64> {kiln.init = "zeros"}']


def func(name, comment, args, body, vals, types):
    return (comment + f"func.func @{name}(" + ",\n    ".join(args) + f")\n    -> ({', '.join(types)}) {{\n"
            + body + f"  return {', '.join(vals)}\n      : {', '.join(types)}\n}}\n")


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
// with two intermediate nodes over DARTS' candidates, searched by DARTS first order, second
// order or RARTS (Gauss-Seidel or Jacobi in alpha), chosen with --search:
//
//     kiln-run examples/search/cells.mlir --train fashion-mnist --epochs 10 \\
//         [--search rarts] --checkpoint cells.st
//
// Batches of 64 from each half of the training data (kiln.data images / val_images).
""" + forward() + loss() + search_step() + eval_step(True))
open(os.path.join(OUT, "cells.mlir"), "w").write(search)

# The retraining program: the alphas are the search checkpoint's tensors named after the
# loss's alpha arguments.
model_args = [f"%{n}: {ty}" for (n, _), ty in zip(W, WT)]
binds = "".join(f"  %a_{n} = kiln.architecture \"a_{n}\" : {ty}\n"
                for (n, _), ty in zip(A, AT))
model = (f"func.func private @model({', '.join(model_args)}, %x: {X}) -> {t(B, 10)} {{\n"
         "  // The searched alphas, by the names of the search loss's arguments.\n"
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

# The train-free score: the same network on a small batch (TE-NAS scores one batch of 14 to
# 72), the alphas as inputs so that one library scores every architecture.
NTK_BATCH = 16
B = NTK_BATCH
net, logits = build()
X = t(B, 1, H, H)
wrt = [str(i) for i, (n, _) in enumerate(W) if n != "head_b"]  # TE-NAS: weights, not biases
score_args = STATE_W + [f"%a_{n}: {ty}" for (n, _), ty in zip(A, AT)] + \
    [f'%x: {X} {{kiln.data = "images"}}']
score_types = ["tensor<f64>", "tensor<f64>", f"tensor<{B}xf64>"]
score_body = (f"  %theta = kiln.ntk @forward({', '.join(wn + an)}, %x) wrt [{', '.join(wrt)}] "
              f"{{logits = \"sum\"}}\n      : ({', '.join(WT + AT + [X])}) -> tensor<{B}x{B}xf64>\n"
              f"  %eigenvalues, %trace, %cond = kiln.ntk_spectrum %theta\n"
              f"      : tensor<{B}x{B}xf64> -> tensor<{B}xf64>, tensor<f64>, tensor<f64>\n")
score = (HEADER + """// TE-NAS' train-free score for the cell space (Chen et al., ICLR 2021; docs/algorithms.md
// §5.3): the condition number of the empirical NTK, at initialization, of the summed logits
// with respect to the weights (biases left out), on one batch of 16 images. Lower trains
// better. The alphas are inputs: one-hot ones (0 for the chosen candidate, -1e4 for the
// others) make each edge its chosen candidate alone. examples/search/ntk_rank.py --space
// cells scores architectures with it and trains them to compare.
//
// Results: the condition number, the trace and the eigenvalues (ascending).
""" + forward() + func("ntk_score", "", score_args, score_body,
                       ["%cond", "%trace", "%eigenvalues"], score_types))
open(os.path.join(OUT, "cells-ntk-score.mlir"), "w").write(score)
print(f"{NW} weight tensors, {NA} edges of {len(OPS)} candidates")
