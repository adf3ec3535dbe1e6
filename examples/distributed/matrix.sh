#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Reproduces examples/distributed/README.md's tables: the MLP (10 epochs) and the CNN
# (2 epochs) on 1, 2 and 4 ranks, dense and with top-1% compression, a global batch of 128.
# Metrics go to $OUT (default /tmp/kiln-distributed), one CSV per run; the epoch lines to
# stdout. Run from the repository root after scripts/setup.sh:
#
#     examples/distributed/matrix.sh [mlp|cnn|all]
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/kiln-distributed}
mkdir -p "$OUT"
RUN=build/bin/kiln-run
MPIRUN=(mpirun --allow-run-as-root --oversubscribe)
TOP1=(--compression-ratio 0.01)

# run NAME RANKS EPOCHS PROGRAM [kiln-run flags...]: the global batch of 128 over RANKS.
run() {
  local name=$1 ranks=$2 epochs=$3 program=$4
  shift 4
  local cmd=("$RUN" "$program" --train fashion-mnist --epochs "$epochs" --quiet
             --batch $((128 / ranks)) --metrics "$OUT/$name.csv" "$@")
  [ "$ranks" -gt 1 ] && cmd=("${MPIRUN[@]}" -np "$ranks" "${cmd[@]}")
  echo "== $name: ${cmd[*]}"
  "${cmd[@]}" | grep -E '^epoch' || echo "(stopped: see the error above)"
}

if [ "${1:-all}" != cnn ]; then
  MLP=examples/distributed/mlp-sgd.mlir
  run mlp-1 1 10 $MLP
  run mlp-2-mean 2 10 $MLP --exchange mean
  run mlp-4-mean 4 10 $MLP --exchange mean
  run mlp-4-compressed 4 10 $MLP --exchange compressed "${TOP1[@]}"
  run mlp-4-ef14 4 10 $MLP --exchange ef14 "${TOP1[@]}"
  run mlp-4-ef21 4 10 $MLP --exchange ef21 "${TOP1[@]}"
  run mlp-4-econtrol 4 10 $MLP --exchange econtrol "${TOP1[@]}" --eta 0.05
  run mlp-2-econtrol 2 10 $MLP --exchange econtrol "${TOP1[@]}" --eta 0.05
fi
if [ "${1:-all}" != mlp ]; then
  CNN=examples/cnn/cnn.mlir
  run cnn-1 1 2 $CNN
  run cnn-2-mean 2 2 $CNN --exchange mean
  run cnn-4-mean 4 2 $CNN --exchange mean
  run cnn-4-ef14 4 2 $CNN --exchange ef14 "${TOP1[@]}"
  run cnn-4-ef21 4 2 $CNN --exchange ef21 "${TOP1[@]}"
  run cnn-4-econtrol 4 2 $CNN --exchange econtrol "${TOP1[@]}" --eta 0.01
fi
