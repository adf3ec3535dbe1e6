#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What deterministic mode (the default: library kernels give the same bits at any thread
# count) costs the CNN's training step: N steps of examples/cnn at T threads with
# --deterministic and --deterministic=false, best of R runs each, and the ratio.
#
#   bench/determinism_cost.sh [BUILD_DIR] [STEPS] [THREADS] [RUNS]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
steps=${2:-100}
threads=${3:-$(nproc)}
runs=${4:-3}
lib=$(mktemp -d)/cnn.so
"$build/bin/kiln-compile" "$root/examples/cnn/cnn.mlir" -o "$lib" --header none

best() { # best wall seconds of $runs runs with --deterministic=$1
  python3 - "$build/bin/kiln-run" "$lib" "$1" "$steps" "$threads" "$runs" <<'PY'
import subprocess, sys, time
run, lib, det, steps, threads, runs = sys.argv[1:]
times = []
for _ in range(int(runs)):
    start = time.perf_counter()
    subprocess.run([run, lib, "-e", "train_step", "-n", steps, "--threads", threads,
                    f"--deterministic={det}"], check=True, stdout=subprocess.DEVNULL)
    times.append(time.perf_counter() - start)
print(f"{min(times):.3f}")
PY
}
det=$(best true)
fast=$(best false)
python3 -c "print(f'cnn train_step x{$steps} at {$threads} threads: deterministic {$det:.3f} s, thread-dependent {$fast:.3f} s, cost {($det/$fast - 1)*100:+.1f}%')"
