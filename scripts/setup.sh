#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs every Debian package Kiln needs, then configures and builds it (ninja + ccache).
# Safe to rerun: apt and cmake skip what is already done.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${KILN_BUILD_DIR:-$root/build}

packages=(
  cmake ninja-build ccache g++ python3 python3-pip zlib1g-dev libzstd-dev
  libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools clang-22 libclang-rt-22-dev
  libdnnl-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  liblapacke-dev libopenblas-dev libopenmpi-dev openmpi-bin
  libgtest-dev libgmock-dev libbenchmark-dev dataset-fashion-mnist
  libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# lit drives the test suite; Debian's mlir-22-tools ships it as /usr/lib/llvm-22/bin/lit.
if [ ! -x /usr/lib/llvm-22/bin/lit ] && ! python3 -c 'import lit' 2>/dev/null; then
  python3 -m pip install --quiet lit
fi

if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit
fi
cmake --build "$build"
