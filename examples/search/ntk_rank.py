#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Ranks the supernet's architectures before training by their NTK condition number (TE-NAS),
then trains each and reports how well the ranking predicted the accuracy.

What it does
    --space supernet (default): the two edges of supernet.mlir, each linear_relu, linear_tanh
    or skip_connect (the candidates kiln-derive-arch can choose: never "none"), all 9
    architectures; scored by ntk-score.mlir, trained by retrain.mlir.
    --space cells: --architectures random architectures of the DARTS cell space
    (make_cells.py): each of the ten edges one of DARTS' candidates other than "none", and
    one of the three edges into each cell's node 3 dropped (kiln-derive-arch keeps two per
    node); scored by cells-ntk-score.mlir, trained by cells-retrain.mlir.
    1. Score: compiles the score program once; for each architecture and each of
       --score-seeds initializations (kiln-run --seed), runs @ntk_score on one batch of
       Fashion-MNIST training images (the program's batch, chosen by --data-seed) with
       one-hot alphas (0 for the chosen candidate, -1e4 for the others), and keeps the mean
       condition number of the NTK (kappa; TE-NAS averages 3 initializations). No training.
    2. Train: the retraining program with the architecture's alphas written as constants
       (kiln-run --derive-arch compiles the plain network), --epochs epochs of Adam on the
       training set for each of --train-seeds seeds; the mean final test accuracy.
    3. Compares the two: Kendall's tau-b and Spearman's rho between kappa and the accuracy
       (TE-NAS: a lower kappa should mean a higher accuracy, so a good score gives negative
       values), the accuracy of the architecture kappa ranks first, and the best accuracy.
    Writes OUT.csv (one row per architecture) and OUT.svg (accuracy against log10 kappa).

How to run it (from the repository root, after scripts/setup.sh; standard library only)
    python3 examples/search/ntk_rank.py                    # about 2 minutes here
    python3 examples/search/ntk_rank.py --space cells      # about 15 minutes here
"""
import argparse
import gzip
import math
import os
import re
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SPACES = {
    "supernet": {"score": "ntk-score.mlir", "train": "retrain.mlir",
                 "candidates": ["none", "linear_relu", "linear_tanh", "skip_connect"],
                 "epochs": 3, "train_seeds": 3},
    "cells": {"score": "cells-ntk-score.mlir", "train": "cells-retrain.mlir",
              "candidates": ["none", "skip_connect", "max_pool_3x3", "avg_pool_3x3",
                             "sep_conv_3x3", "dil_conv_3x3"],
              "epochs": 1, "train_seeds": 1},
}
SHORT = {"linear_relu": "relu", "linear_tanh": "tanh", "skip_connect": "skip",
         "max_pool_3x3": "max", "avg_pool_3x3": "avg", "sep_conv_3x3": "sep",
         "dil_conv_3x3": "dil", "none": "-"}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build"), help="Kiln's build directory")
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--space", choices=sorted(SPACES), default="supernet")
    p.add_argument("--architectures", type=int, default=12,
                   help="cells: how many random architectures")
    p.add_argument("--limit", type=int, help="only the first LIMIT architectures (for tests)")
    p.add_argument("--score-seeds", type=int, default=3)
    p.add_argument("--train-seeds", type=int, help="default: 3 (supernet), 1 (cells)")
    p.add_argument("--epochs", type=int, help="default: 3 (supernet), 1 (cells)")
    p.add_argument("--data-seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--out", help="default: examples/search/ntk-rank-SPACE")
    a = p.parse_args()
    space = SPACES[a.space]
    a.train_seeds = a.train_seeds or space["train_seeds"]
    a.epochs = a.epochs or space["epochs"]
    a.out = a.out or os.path.join(HERE, f"ntk-rank-{a.space}")
    return a


def write_npy(path, values, shape, descr="<f4"):
    code = {"<f4": "f", "<f8": "d"}[descr]
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, "".join(f"{d}, " for d in shape))
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack(f"<{len(values)}{code}", *values))


def read_npy(path):
    with open(path, "rb") as f:
        data = f.read()
    length = struct.unpack("<H", data[8:10])[0]
    header = data[10:10 + length].decode()
    code = "d" if "<f8" in header else "f"
    body = data[10 + length:]
    return struct.unpack(f"<{len(body) // struct.calcsize(code)}{code}", body)


def images(directory, shape, seed):
    """shape[0] training images chosen by `seed`, scaled to [0, 1] as kiln-run scales them."""
    count = shape[0]
    with gzip.open(os.path.join(directory, "train-images-idx3-ubyte.gz"), "rb") as f:
        data = f.read()
    magic, n, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != 2051:
        sys.exit(f"ntk_rank.py: {directory} does not hold IDX images")
    # A small linear congruential generator: the choice is the same on every machine.
    state, chosen = seed * 6364136223846793005 + 1442695040888963407, []
    while len(chosen) < count:
        state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
        index = (state >> 33) % n
        if index not in chosen:
            chosen.append(index)
    size = rows * cols
    values = []
    for index in chosen:
        start = 16 + index * size
        values.extend(b / 255.0 for b in data[start:start + size])
    return values


def one_hot(candidates, choice):
    return [0.0 if c == choice else -1e4 for c in candidates]


def signature(kiln_run, library):
    """The alpha inputs (name -> index) and the images input (index, shape) of @ntk_score."""
    alphas, x = {}, None
    for line in run([kiln_run, library, "--list"]).splitlines():
        m = re.match(r"\s*input\s+(\d+) \((\S+)\): f32\[([0-9x]+)\](.*)", line)
        if not m:
            continue
        index, name, dims, rest = int(m.group(1)), m.group(2), m.group(3), m.group(4)
        if "architecture" in rest:
            alphas[name] = index
        elif "data images" in rest:
            x = (index, [int(d) for d in dims.split("x")])
    return alphas, x


def architectures(space, alpha_names, count, seed):
    """(name, {alpha: candidate}) for every architecture to score and train."""
    candidates = SPACES[space]["candidates"]
    if space == "supernet":
        return [(f"{SHORT[e1]}-{SHORT[e2]}", {"a1": e1, "a2": e2})
                for e1 in candidates[1:] for e2 in candidates[1:]]
    import random
    rng = random.Random(seed)
    out = []
    while len(out) < count:
        arch = {a: rng.choice(candidates[1:]) for a in alpha_names}
        for cell in ("normal", "reduce"):  # node 3 keeps two of its three edges
            arch[f"a_{cell}_{rng.choice(['0', '1', '2'])}_3"] = "none"
        name = " ".join(SHORT[arch[a]] for a in alpha_names)
        if name not in [n for n, _ in out]:
            out.append((name, arch))
    return out


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"ntk_rank.py: {' '.join(cmd)} failed:\n{r.stderr}")
    return r.stdout


def kendall_tau_b(x, y):
    concordant = discordant = ties_x = ties_y = 0
    for i in range(len(x)):
        for j in range(i + 1, len(x)):
            dx, dy = x[i] - x[j], y[i] - y[j]
            if dx == 0 and dy == 0:
                continue
            if dx == 0:
                ties_x += 1
            elif dy == 0:
                ties_y += 1
            elif dx * dy > 0:
                concordant += 1
            else:
                discordant += 1
    denominator = math.sqrt((concordant + discordant + ties_x) * (concordant + discordant + ties_y))
    return (concordant - discordant) / denominator if denominator else float("nan")


def ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    r = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return r


def spearman(x, y):
    rx, ry = ranks(x), ranks(y)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry))
    return cov / math.sqrt(sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry))


def svg(path, rows, tau, rho):
    w, h, m = 640, 420, 60
    xs = [math.log10(r["kappa"]) for r in rows]
    ys = [r["accuracy"] for r in rows]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    x0, x1 = x0 - 0.05 * (x1 - x0 or 1), x1 + 0.05 * (x1 - x0 or 1)
    y0, y1 = y0 - 0.1 * (y1 - y0 or 1), y1 + 0.1 * (y1 - y0 or 1)

    def px(v):
        return m + (v - x0) / (x1 - x0) * (w - 2 * m)

    def py(v):
        return h - m - (v - y0) / (y1 - y0) * (h - 2 * m)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           'font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<line x1="{m}" y1="{h - m}" x2="{w - m}" y2="{h - m}" stroke="black"/>',
           f'<line x1="{m}" y1="{m}" x2="{m}" y2="{h - m}" stroke="black"/>',
           f'<text x="{w / 2}" y="{h - 20}" text-anchor="middle">log10 NTK condition number at '
           'initialization (lower: predicted to train better)</text>',
           f'<text x="18" y="{h / 2}" text-anchor="middle" transform="rotate(-90 18 {h / 2})">'
           'test accuracy after training (%)</text>',
           f'<text x="{w / 2}" y="30" text-anchor="middle" font-size="14">TE-NAS score vs trained '
           f'accuracy: Kendall tau {tau:+.2f}, Spearman rho {rho:+.2f}</text>']
    for t in range(5):
        xv, yv = x0 + (x1 - x0) * t / 4, y0 + (y1 - y0) * t / 4
        out.append(f'<text x="{px(xv):.1f}" y="{h - m + 16}" text-anchor="middle">{xv:.2f}</text>')
        out.append(f'<text x="{m - 6}" y="{py(yv) + 4:.1f}" text-anchor="end">{yv:.1f}</text>')
    for i, (r, xv, yv) in enumerate(zip(rows, xs, ys)):
        label = r["name"] if len(r["name"]) <= 12 else str(i + 1)  # long names: OUT.csv's row
        out.append(f'<circle cx="{px(xv):.1f}" cy="{py(yv):.1f}" r="5" fill="#1f77b4"/>')
        out.append(f'<text x="{px(xv) + 8:.1f}" y="{py(yv) - 6:.1f}">{label}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    a = parse_args()
    space = SPACES[a.space]
    candidates = space["candidates"]
    bin_dir = os.path.join(a.build, "bin")
    kiln_run, kiln_compile = os.path.join(bin_dir, "kiln-run"), os.path.join(bin_dir, "kiln-compile")
    threads = ["--threads", str(a.threads)] if a.threads else []
    retrain = open(os.path.join(HERE, space["train"])).read()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        score_lib = os.path.join(tmp, "ntk-score.so")
        run([kiln_compile, os.path.join(HERE, space["score"]), "-o", score_lib])
        alphas, (x_index, x_shape) = signature(kiln_run, score_lib)
        write_npy(os.path.join(tmp, "x.npy"), images(a.data, x_shape, a.data_seed), x_shape)
        archs = architectures(a.space, list(alphas), a.architectures, a.data_seed)
        for name, arch in archs[:a.limit]:
            inputs = ["-i", f"{x_index}={tmp}/x.npy"]
            for alpha, index in alphas.items():
                write_npy(os.path.join(tmp, f"{alpha}.npy"), one_hot(candidates, arch[alpha]),
                          [len(candidates)])
                inputs += ["-i", f"{index}={tmp}/{alpha}.npy"]
            kappas = []
            for seed in range(a.score_seeds):
                out = os.path.join(tmp, f"score-{len(rows)}-{seed}")
                os.makedirs(out)
                run([kiln_run, score_lib, "--seed", str(seed), "--save-dir", out,
                     "--print-limit", "0"] + inputs + threads)
                kappas.append(read_npy(os.path.join(out, "result0.npy"))[0])
            kappa = sum(kappas) / len(kappas)
            # The architecture as constants: kiln-derive-arch then compiles the plain model.
            def constant(m):
                values = ", ".join(f"{v:.1f}" for v in one_hot(candidates, arch[m.group(2)]))
                return f"%{m.group(1)} = arith.constant dense<[{values}]> : tensor<{m.group(3)}xf32>"
            program = re.sub(r'%(\S+) = kiln\.architecture "(\S+)" : tensor<(\d+)xf32>', constant,
                             retrain)
            source = os.path.join(tmp, f"arch-{len(rows)}.mlir")
            with open(source, "w") as f:
                f.write(program)
            accuracies = []
            for seed in range(a.train_seeds):
                metrics = os.path.join(tmp, f"arch-{len(rows)}-{seed}.csv")
                run([kiln_run, source, "--derive-arch", "--train", a.data, "--epochs",
                     str(a.epochs), "--seed", str(seed), "--metrics", metrics, "--quiet"]
                    + threads)
                lines = open(metrics).read().split()
                header, last = lines[0].split(","), lines[-1].split(",")
                accuracies.append(100 * float(last[header.index("test_accuracy")]))
            accuracy = sum(accuracies) / len(accuracies)
            rows.append({"name": name, "kappa": kappa, "accuracy": accuracy})
            print(f"{len(rows):2} {name:<32} kappa {kappa:12.1f} ({', '.join(f'{k:.1f}' for k in kappas)})"
                  f"  test accuracy {accuracy:6.2f}% "
                  f"({', '.join(f'{v:.2f}' for v in accuracies)})", flush=True)
    kappas = [r["kappa"] for r in rows]
    accuracies = [r["accuracy"] for r in rows]
    tau, rho = kendall_tau_b(kappas, accuracies), spearman(kappas, accuracies)
    best_by_kappa = min(rows, key=lambda r: r["kappa"])
    best = max(rows, key=lambda r: r["accuracy"])
    print(f"Kendall tau-b(kappa, accuracy) {tau:+.3f}, Spearman rho {rho:+.3f} "
          "(negative: a lower kappa goes with a higher accuracy, as TE-NAS assumes)")
    print(f"lowest kappa: {best_by_kappa['name']} ({best_by_kappa['accuracy']:.2f}%); "
          f"best trained: {best['name']} ({best['accuracy']:.2f}%)")
    with open(a.out + ".csv", "w") as f:
        f.write("row,architecture,kappa,test_accuracy\n")
        for i, r in enumerate(rows):
            f.write(f"{i + 1},{r['name']},{r['kappa']:.6g},{r['accuracy']:.4f}\n")
    svg(a.out + ".svg", rows, tau, rho)
    print(f"wrote {a.out}.csv and {a.out}.svg")


if __name__ == "__main__":
    main()
