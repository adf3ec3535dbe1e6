#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Draws test accuracy against epsilon from kiln-run's --metrics files of private runs
(standard library only):

    python3 examples/privacy/plot.py accuracy-vs-epsilon.svg dp-sgd.csv:DP-SGD dice-sgd.csv:DiceSGD
"""
import csv
import sys

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
W, H, LEFT, RIGHT, TOP, BOTTOM = 640, 400, 60, 20, 20, 50


def read(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    if not rows or "epsilon" not in rows[0] or "test_accuracy" not in rows[0]:
        sys.exit(f"{path}: not the metrics of a private run with a test set")
    return [(float(r["epsilon"]), 100 * float(r["test_accuracy"])) for r in rows]


def main():
    out, series = sys.argv[1], []
    for arg in sys.argv[2:]:
        path, _, label = arg.partition(":")
        series.append((label or path, read(path)))
    if not series:
        sys.exit(__doc__)
    xs = [x for _, pts in series for x, _ in pts]
    ys = [y for _, pts in series for _, y in pts]
    x1, y0, y1 = max(xs) * 1.05, max(0.0, min(ys) - 2), min(100.0, max(ys) + 2)

    def px(x):
        return LEFT + (W - LEFT - RIGHT) * x / x1

    def py(y):
        return TOP + (H - TOP - BOTTOM) * (1 - (y - y0) / (y1 - y0))

    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<line x1="{LEFT}" y1="{H - BOTTOM}" x2="{W - RIGHT}" y2="{H - BOTTOM}" stroke="black"/>',
           f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{H - BOTTOM}" stroke="black"/>',
           f'<text x="{(W + LEFT) / 2}" y="{H - 12}" text-anchor="middle">epsilon (delta 1e-5)</text>',
           f'<text x="14" y="{(H - BOTTOM) / 2}" transform="rotate(-90 14 {(H - BOTTOM) / 2})" '
           f'text-anchor="middle">test accuracy (%)</text>']
    for i in range(6):
        x, y = x1 * i / 5, y0 + (y1 - y0) * i / 5
        svg.append(f'<text x="{px(x):.1f}" y="{H - BOTTOM + 16}" text-anchor="middle">{x:.2f}</text>')
        svg.append(f'<text x="{LEFT - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{y:.1f}</text>')
    for k, (label, pts) in enumerate(series):
        color = COLORS[k % len(COLORS)]
        points = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        svg.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{points}"/>')
        for x, y in pts:
            svg.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{color}"/>')
        svg.append(f'<text x="{W - RIGHT - 110}" y="{H - BOTTOM - 20 - 16 * k}" fill="{color}">{label}</text>')
    svg.append("</svg>")
    with open(out, "w") as f:
        f.write("\n".join(svg) + "\n")


if __name__ == "__main__":
    main()
