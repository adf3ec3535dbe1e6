#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# How OpenMP's wait policy changes a training step's speed on an idle and on a loaded
# machine: examples/mlp for one epoch at 2 threads with OMP_WAIT_POLICY unset (libgomp spins
# before sleeping) and passive, with and without N busy processes competing for the cores.
# Prints step/s and the ratio passive / default for each case.
#
#   bench/omp_wait_policy.sh [BUILD_DIR] [BUSY_PROCESSES]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
busy=${2:-$(nproc)}
lib=$(mktemp -d)/mlp.so
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
"$build/bin/kiln-compile" "$root/examples/mlp/mlp.mlir" -o "$lib"

rate() { # prints the epoch's step/s
  env "$@" "$build/bin/kiln-run" "$lib" --train fashion-mnist --epochs 1 --quiet --threads 2 |
    sed -n 's/.* \([0-9.]*\) step\/s.*/\1/p'
}
for load in idle loaded; do
  pids=()
  if [ "$load" = loaded ]; then
    for _ in $(seq "$busy"); do (while :; do :; done) & pids+=($!); done
  fi
  spin=$(rate -u OMP_WAIT_POLICY)
  passive=$(rate OMP_WAIT_POLICY=passive)
  ((${#pids[@]})) && kill "${pids[@]}" 2>/dev/null
  wait 2>/dev/null || true
  python3 -c "print(f'$load ($busy busy processes when loaded): default {float($spin):.1f} step/s, passive {float($passive):.1f} step/s, passive/default {float($passive)/float($spin):.2f}')"
done
