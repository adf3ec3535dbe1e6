#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The GPU check: on a machine with an NVIDIA GPU (driver and /usr/local/cuda), builds what the
# GPU tests and benchmarks need, runs the tests that need a device (test/Gpu, which report
# UNSUPPORTED elsewhere) and the benchmarks (kiln-bench-gpu, and torch through
# bench/gpu_peers.py when it is installed), and writes a summary. Sized for 8 minutes on a
# 16-core machine from a fresh build; an existing build directory is reused.
#
#   scripts/gpu-check.sh [SUMMARY_FILE]       (default: $OUT/gpu-summary.txt, else in the build directory)
#
# Environment: KILN_BUILD_DIR (default build/), KILN_GPU_PARAMS (Adam parameters, default
# 268435456 = 256M), KILN_CUDA_TOOLKIT (default /usr/local/cuda).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${KILN_BUILD_DIR:-$root/build}
toolkit=${KILN_CUDA_TOOLKIT:-/usr/local/cuda}
params=${KILN_GPU_PARAMS:-268435456}
summary=${1:-${OUT:-$build}/gpu-summary.txt}
start=$(date +%s)
log() { echo "gpu-check: $*" | tee -a "$summary"; }
: > "$summary"

log "started $(date -u +%FT%TZ) on $(hostname), $(nproc) cores"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | sed 's/^/gpu-check: gpu: /' | tee -a "$summary"
else
  log "nvidia-smi not found: the tests below report UNSUPPORTED without a driver"
fi

# ---- Build (only what the check runs) ---------------------------------------------------------
targets=(kiln-opt kiln-compile kiln-run kiln-gpu-check kiln-bench-gpu kiln_runtime_cuda)
if [ ! -f "$build/build.ninja" ]; then
  if [ ! -d /usr/lib/llvm-22/lib/cmake/mlir ]; then
    log "FAILED: no build directory and no MLIR 22 here (/usr/lib/llvm-22); run scripts/setup.sh first"
    exit 1
  fi
  mkdir -p "$build"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    $(command -v ccache >/dev/null && echo -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache) \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DCUDAToolkit_ROOT="$toolkit" > "$build/gpu-check-configure.log" 2>&1 \
    || { log "FAILED: cmake (see $build/gpu-check-configure.log)"; exit 1; }
fi
if ! cmake --build "$build" --target "${targets[@]}" > "$build/gpu-check-build.log" 2>&1; then
  log "FAILED: build (tail of $build/gpu-check-build.log follows)"
  tail -20 "$build/gpu-check-build.log" | tee -a "$summary"
  exit 1
fi
log "built in $(( $(date +%s) - start )) s"
"$build/bin/kiln-gpu-check" --probe | sed 's/^/gpu-check: device: /' | tee -a "$summary"

# ---- Tests ------------------------------------------------------------------------------------
lit=/usr/lib/llvm-22/bin/lit
[ -x "$lit" ] || lit="python3 -m lit"
$lit -v "$build/test/Gpu" > "$build/gpu-check-tests.log" 2>&1
tests=$?
grep -E '^(PASS|FAIL|UNSUPPORTED|XFAIL|UNRESOLVED):' "$build/gpu-check-tests.log" | sed 's/^/gpu-check: test: /' | tee -a "$summary"
if [ $tests -ne 0 ]; then
  log "tests FAILED (details in $build/gpu-check-tests.log):"
  grep -E 'error:|differs' "$build/gpu-check-tests.log" | head -20 | tee -a "$summary"
fi

# ---- Benchmarks -------------------------------------------------------------------------------
bench=$(timeout 240 "$build/bin/kiln-bench-gpu" --params "$params" --cuda-toolkit "$toolkit" 2>&1)
echo "$bench" | sed 's/^/gpu-check: kiln: /' | tee -a "$summary"
peers=$(timeout 180 python3 "$root/bench/gpu_peers.py" --params "$params" 2>&1)
echo "$peers" | sed 's/^/gpu-check: /' | tee -a "$summary"

# Training: the MLP example on Fashion-MNIST, on the CPU and on the GPU, same seed and
# epochs; their test accuracies should agree within 0.3 points.
data=/usr/share/datasets/fashion-mnist
if [ -f "$data/train-images-idx3-ubyte.gz" ]; then
  for device in cpu cuda; do
    line=$(timeout 150 "$build/bin/kiln-run" "$root/examples/mlp/mlp.mlir" --device $device \
             --cuda-toolkit "$toolkit" --train fashion-mnist --epochs 3 --quiet 2>&1 | grep '^epoch 3:')
    log "mlp $device: ${line:-FAILED (no epoch 3 line)}"
  done
else
  log "mlp training: skipped (no Fashion-MNIST in $data; apt-get install dataset-fashion-mnist)"
fi

# Ratios from the two runs above (same machine, same minute).
python3 - "$summary" <<'PY' | tee -a "$summary"
import re, sys
text = open(sys.argv[1]).read()
def ms(pattern):
    m = re.search(pattern, text)
    return float(m.group(1)) if m else None
adam = ms(r"kiln: adam: .*?, ([0-9.]+) ms/step")
ratio = re.search(r"adam/copy ([0-9.]+)", text)
fused = ms(r"torch adam fused: ([0-9.]+) ms/step")
mlp = ms(r"kiln: mlp: batch \d+, ([0-9.]+) ms/step")
eager = ms(r"torch mlp eager: batch \d+, ([0-9.]+) ms/step")
if ratio:
    print(f"gpu-check: ratio: fused Adam at {float(ratio.group(1)):.3f} of the device copy bandwidth (target >= 0.85)")
if adam and fused:
    print(f"gpu-check: ratio: Kiln Adam vs torch Adam(fused=True): {fused / adam:.2f}x (target > 1)")
if mlp and eager:
    print(f"gpu-check: ratio: Kiln MLP step vs torch eager: {eager / mlp:.2f}x (target >= 1.5)")
cnn = ms(r"kiln: cnn: batch \d+, ([0-9.]+) ms/step")
cnn_eager = ms(r"torch cnn eager: batch \d+, ([0-9.]+) ms/step")
if cnn and cnn_eager:
    print(f"gpu-check: ratio: Kiln CNN step vs torch eager (both fp32, no TF32): "
          f"{cnn_eager / cnn:.2f}x (target > 1)")
acc = dict(re.findall(r"mlp (cpu|cuda): epoch 3: .*?test accuracy ([0-9.]+)%", text))
if "cpu" in acc and "cuda" in acc:
    gap = abs(float(acc["cpu"]) - float(acc["cuda"]))
    print(f"gpu-check: ratio: MLP test accuracy CPU {acc['cpu']}%, GPU {acc['cuda']}%, "
          f"{gap:.2f} points apart (target <= 0.3)")
PY
log "finished in $(( $(date +%s) - start )) s; summary in $summary"
exit $tests
