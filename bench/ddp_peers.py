#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Data-parallel training in Kiln and in PyTorch DDP, side by side, and what compression
puts on the wire.

The model is examples/distributed/mlp-sgd.mlir (784-256-256-10 ReLU MLP, SGD), each
rank on --batch examples per step (default 64) with --threads threads (default 1), --ranks
processes (default 2) on this machine:

- Kiln dense: `mpirun -np R kiln-run mlp-sgd.mlir --train fashion-mnist --exchange mean`,
  the median step/s kiln-run prints per epoch (data loading included);
- torch DDP: the same model in torch.nn under DistributedDataParallel with the gloo backend
  (pip's torch; R processes started by torch.multiprocessing, one intra-op thread each unless
  --threads), SGD lr 0.1, timed on random batches after warm-up;
- one process of each on the per-rank batch, for what the exchange costs;
- Kiln dense with --overlap-bucket bytes per bucket (default 256 KiB: the MLP's 1.03 MiB of
  gradients in 5 buckets), with and without --overlap-exchange: what starting each bucket's
  all-reduce during the backward pass buys (the default 25 MiB bucket holds the whole MLP,
  whose one bucket is finished last and has nothing to overlap);
- Kiln compressed: top-1% with EControl (--exchange econtrol --compression-ratio 0.01
  --eta 0.05), whose bytes per step and rank (the runtime's accounting, from epoch 2, after
  the dense first round) are compared with the nominal message: k indices and k values,
  k = round(0.01 d).

It prints each rate and the ratios Kiln/torch. Nothing is asserted on time.

    scripts/setup.sh && python3 bench/ddp_peers.py               # torch from pip for DDP
    python3 bench/ddp_peers.py --ranks 4 --batch 32 --epochs 2 --json out.json
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROGRAM = os.path.join(ROOT, "examples", "distributed", "mlp-sgd.mlir")
EPOCH_LINE = re.compile(r"^epoch (\d+): .*?(?:, ([0-9.]+) (B|KiB|MiB) sent per step and rank)?"
                        r", ([0-9.]+) s, ([0-9.]+) step/s$")
UNITS = {"B": 1, "KiB": 1024, "MiB": 1024 * 1024}
PARAMETERS = 784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10
MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe"]


def kiln(args, ranks, batch, extra):
    cmd = [os.path.join(args.build_dir, "bin", "kiln-run"), PROGRAM, "--train", args.data,
           "--epochs", str(args.epochs), "--batch", str(batch), "--threads", str(args.threads),
           "--quiet"] + extra
    if ranks > 1:
        cmd = MPIRUN + ["-np", str(ranks)] + cmd
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr.strip()}")
    rows = [m for m in map(EPOCH_LINE.match, done.stdout.splitlines()) if m]
    if len(rows) != args.epochs:
        raise RuntimeError(f"expected {args.epochs} epoch lines, got:\n{done.stdout}")
    rate = statistics.median(float(m.group(5)) for m in rows)
    sent = [float(m.group(2)) * UNITS[m.group(3)] for m in rows[1:] if m.group(2)]
    return rate, (statistics.median(sent) if sent else None)


def torch_worker(rank, ranks, batch, threads, steps, port, out):
    import torch
    import torch.distributed as dist
    torch.set_num_threads(threads)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 10))
    if ranks > 1:
        os.environ["MASTER_ADDR"] = "127.0.0.1"
        os.environ["MASTER_PORT"] = str(port)
        dist.init_process_group("gloo", rank=rank, world_size=ranks)
        model = torch.nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(rank)
    data = [(torch.randn(batch, 784, generator=gen), torch.randint(0, 10, (batch,), generator=gen))
            for _ in range(16)]

    def step(i):
        x, y = data[i % len(data)]
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()

    for i in range(20):
        step(i)
    if ranks > 1:
        dist.barrier()
    start = time.perf_counter()
    for i in range(steps):
        step(i)
    if ranks > 1:
        dist.barrier()
    elapsed = time.perf_counter() - start
    if rank == 0:
        out.put(steps / elapsed)
    if ranks > 1:
        dist.destroy_process_group()


def torch_rate(args, ranks, batch):
    try:
        import torch.multiprocessing as mp
    except ImportError:
        return None
    ctx = mp.get_context("spawn")
    out = ctx.SimpleQueue()
    port = 29500 + (os.getpid() % 1000)
    procs = [ctx.Process(target=torch_worker,
                         args=(r, ranks, batch, args.threads, args.torch_steps, port, out))
             for r in range(ranks)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    if any(p.exitcode != 0 for p in procs):
        raise RuntimeError("a torch worker failed")
    return out.get()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64, help="examples per rank and step")
    parser.add_argument("--threads", type=int, default=1, help="threads per rank")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--torch-steps", type=int, default=600)
    parser.add_argument("--overlap-bucket", type=int, default=256 << 10,
                        help="bucket bytes of the overlap comparison")
    parser.add_argument("--data", default="fashion-mnist")
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()

    figures = {"ranks": args.ranks, "batch_per_rank": args.batch, "threads": args.threads}
    figures["kiln_1"], _ = kiln(args, 1, args.batch, [])
    figures["kiln_ddp"], dense_sent = kiln(args, args.ranks, args.batch, ["--exchange", "mean"])
    buckets = ["--exchange", "mean", "--bucket-bytes", str(args.overlap_bucket)]
    figures["kiln_ddp_small_buckets_overlap"], _ = kiln(
        args, args.ranks, args.batch, buckets + ["--overlap-exchange=true"])
    figures["kiln_ddp_small_buckets_serial"], _ = kiln(
        args, args.ranks, args.batch, buckets + ["--overlap-exchange=false"])
    figures["kiln_econtrol"], sent = kiln(
        args, args.ranks, args.batch,
        ["--exchange", "econtrol", "--compression-ratio", "0.01", "--eta", "0.05"])
    k = max(1, round(0.01 * PARAMETERS))
    figures["dense_bytes"] = dense_sent
    figures["econtrol_bytes"] = sent
    figures["nominal_top1pct_bytes"] = 8 * k
    try:
        figures["torch_1"] = torch_rate(args, 1, args.batch)
        figures["torch_ddp"] = torch_rate(args, args.ranks, args.batch)
    except (ImportError, RuntimeError) as e:
        print(f"torch: {e}", file=sys.stderr)
        figures["torch_1"] = figures["torch_ddp"] = None

    print(f"MLP 784-256-256-10, SGD, {args.ranks} ranks x batch {args.batch}, "
          f"{args.threads} thread(s) per rank; global steps per second:")
    print(f"  one process       Kiln {figures['kiln_1']:8.1f}   torch "
          f"{figures['torch_1'] or float('nan'):8.1f}")
    print(f"  {args.ranks} ranks dense     Kiln {figures['kiln_ddp']:8.1f}   torch DDP "
          f"{figures['torch_ddp'] or float('nan'):8.1f}")
    if figures["torch_ddp"]:
        print(f"  Kiln / torch DDP: {figures['kiln_ddp'] / figures['torch_ddp']:.2f}x")
    overlap, serial = (figures["kiln_ddp_small_buckets_overlap"],
                       figures["kiln_ddp_small_buckets_serial"])
    print(f"  {args.ranks} ranks dense, {args.overlap_bucket} B buckets: overlapped with the "
          f"backward pass {overlap:.1f}, after it {serial:.1f} ({overlap / serial:.3f}x)")
    print(f"  {args.ranks} ranks EControl top-1%: {figures['kiln_econtrol']:.1f} step/s, "
          f"{sent:.0f} B per step and rank (as kiln-run prints it, to 0.01 KiB) against the "
          f"nominal {8 * k} ({sent / (8 * k):.3f}x); the dense exchange sends every gradient, "
          f"{4 * PARAMETERS} B ({4 * PARAMETERS / (8 * k):.0f}x more)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=2)


if __name__ == "__main__":
    main()
