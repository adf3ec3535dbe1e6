#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fuzzes one target of test/fuzz, or all of them in turn, for MINUTES each:
#   scripts/fuzz.sh TARGET|all [MINUTES]     (targets: npy idx csv checkpoint session parse pipeline onnx)
# Builds build-fuzz (clang-22 with libFuzzer, ASan and UBSan; package libclang-rt-22-dev) the
# first time. The session target calls a module compiled by the normal build's kiln-compile
# (build/, scripts/setup.sh), so that fuzzing the runtime does not build the whole compiler
# instrumented; parse and pipeline do build it. Inputs that add coverage go to
# build-fuzz/fuzz/corpus/TARGET (the seeds in test/fuzz/corpus stay as they are); crashes go to
# build-fuzz/fuzz/crashes/TARGET, and then the script exits 1. A crash becomes a regression test
# by copying its file, under a name that says what it does, to test/fuzz/regressions/TARGET.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${KILN_FUZZ_BUILD_DIR:-$root/build-fuzz}
normal=${KILN_BUILD_DIR:-$root/build}
all=(npy idx csv checkpoint session parse pipeline onnx)

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 TARGET|all [MINUTES]   (targets: ${all[*]})" >&2
  exit 2
fi
if [ "$1" = all ]; then targets=("${all[@]}"); else targets=("$1"); fi
minutes=${2:-10}
for t in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $t "* ]] || { echo "fuzz.sh: unknown target '$t' (${all[*]})" >&2; exit 2; }
done

if [[ " ${targets[*]} " == *" session "* ]] && [ ! -x "$normal/bin/kiln-compile" ]; then
  [ -f "$normal/build.ninja" ] || { echo "fuzz.sh: the session target needs $normal/bin/kiln-compile: run scripts/setup.sh first" >&2; exit 2; }
  cmake --build "$normal" --target kiln-compile
fi
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DKILN_FUZZ=ON -DKILN_FUZZ_KILN_COMPILE="$normal/bin/kiln-compile"
fi
cmake --build "$build" --target "${targets[@]/#/kiln-fuzz-}"

failed=0
summary=()
for t in "${targets[@]}"; do
  corpus=$build/fuzz/corpus/$t crashes=$build/fuzz/crashes/$t log=$build/fuzz/$t.log
  mkdir -p "$corpus" "$crashes"
  echo "== fuzzing $t for $minutes min (log: $log)"
  rc=0
  # Leaks are bugs too (LeakSanitizer runs after each input libFuzzer suspects); a 30 s input
  # is a hang. The seed corpus and the regressions are read, never written.
  "$build/bin/kiln-fuzz-$t" -max_total_time=$((minutes * 60)) -print_final_stats=1 \
    -timeout=30 -rss_limit_mb=4096 -artifact_prefix="$crashes/" \
    "$corpus" "$root/test/fuzz/corpus/$t" "$root/test/fuzz/regressions/$t" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  found=$(find "$crashes" -type f | wc -l)
  summary+=("$(printf '%-11s %4s min %12s execs %8s exec/s %3s crashes' "$t" "$minutes" "${execs:-?}" "${rate:-?}" "$found")")
  if [ "$rc" -ne 0 ] || [ "$found" -ne 0 ]; then
    failed=1
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -5 || true
    echo "fuzz.sh: $t failed (exit $rc); inputs in $crashes" >&2
  fi
done
printf '%s\n' "${summary[@]}"
exit $failed
