#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The runtime under AddressSanitizer and UndefinedBehaviorSanitizer: configures build-asan with
# -DKILN_SANITIZE=address,undefined, builds only what the checks need, and runs the runtime's
# unit tests, the end-to-end checks of compiled steps and the fuzz targets' replays with any
# sanitizer report failing the test. The runtime, its tests and checkers are instrumented; the
# compiler (kiln-compile) is not, so its objects come from ccache when build/ exists, and the
# steps it compiles run uninstrumented inside instrumented checkers.
#   scripts/sanitize.sh            (KILN_ASAN_BUILD_DIR overrides build-asan)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${KILN_ASAN_BUILD_DIR:-$root/build-asan}

if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DKILN_SANITIZE=address,undefined
fi
cmake --build "$build" --target KilnRuntimeTests kiln-compile kiln-run kiln-optimizer-check \
  kiln-golden-check kiln-grad-check kiln-random-check kiln-math-check kiln-frugal-check \
  kiln-ntk-check kiln-fuzz-replay-npy kiln-fuzz-replay-idx kiln-fuzz-replay-csv kiln-fuzz-replay-checkpoint \
  kiln-fuzz-replay-session kiln-fuzz-replay-parse kiln-fuzz-replay-pipeline kiln-fuzz-replay-onnx
# The CUDA runtime, on the stand-in driver (test/Gpu/fake-driver.test), where the toolkit is.
gpu_tests=()
# (The target list is read whole first: grep -q would stop reading early, and under
# pipefail ninja's SIGPIPE would then make the test fail at random.)
targets=$(ninja -C "$build" -t targets all 2>/dev/null || true)
if grep -q '^kiln-fake-cuda:' <<<"$targets"; then
  cmake --build "$build" --target kiln_runtime_cuda kiln-fake-cuda kiln-gpu-check
  gpu_tests=("$build/test/Gpu/fake-driver.test")
fi

# LLVM and MLIR keep some allocations to the end of a process on purpose; the runtime's own
# leaks are still reported.
# cuBLAS and cuDNN (linked by the CUDA backend) keep allocations to the end of the process too.
printf 'leak:libLLVM.so\nleak:libMLIR.so\nleak:libcublas.so\nleak:libcublasLt.so\nleak:libcudnn\n' >"$build/lsan.supp"
# allocator_may_return_null: a huge allocation must fail as it does without ASan, since the
# runtime reports it (Tensor::allocate's kResourceExhausted) rather than dying.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:allocator_may_return_null=1
export LSAN_OPTIONS=suppressions=$build/lsan.supp
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
/usr/lib/llvm-22/bin/lit -sv "$build/test/unit" "$build/test/e2e" "$build/test/fuzz" "${gpu_tests[@]}"
