#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Plots what kiln-monge-map --out DIR wrote: the source and target clouds and the two maps'
images of the source, with a line from a few source points to where each map sends them.

    pip install matplotlib
    python3 examples/regularizers/plot.py DIR [--output monge-map.png]
"""

import argparse
import csv
import os

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return [float(r["x"]) for r in rows], [float(r["y"]) for r in rows]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", help="the directory kiln-monge-map --out wrote")
    ap.add_argument("--output", help="the image (default DIR/monge-map.png)")
    args = ap.parse_args()
    source = read(os.path.join(args.dir, "source.csv"))
    target = read(os.path.join(args.dir, "target.csv"))
    maps = [("Sinkhorn fit alone", read(os.path.join(args.dir, "mapped-fit.csv"))),
            ("fit + Monge gap", read(os.path.join(args.dir, "mapped-monge.csv")))]

    fig, axes = plt.subplots(1, 2, figsize=(11, 5.2), sharex=True, sharey=True)
    for ax, (title, mapped) in zip(axes, maps):
        ax.scatter(*target, s=4, c="tab:orange", alpha=0.35, label="target")
        ax.scatter(*source, s=4, c="tab:blue", alpha=0.35, label="source")
        ax.scatter(*mapped, s=4, c="tab:green", alpha=0.6, label="T(source)")
        # Every 16th point's displacement: crossing lines are mass moved further than needed.
        for i in range(0, len(source[0]), 16):
            ax.plot([source[0][i], mapped[0][i]], [source[1][i], mapped[1][i]],
                    c="gray", lw=0.5, alpha=0.6)
        ax.set_title(title)
        ax.set_aspect("equal")
    axes[0].legend(loc="upper left", markerscale=3)
    fig.tight_layout()
    output = args.output or os.path.join(args.dir, "monge-map.png")
    fig.savefig(output, dpi=80)
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
