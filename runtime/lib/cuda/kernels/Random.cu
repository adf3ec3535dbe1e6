// SPDX-License-Identifier: Apache-2.0
// The normal fill of CUDA modules (Abi.h's normal kernel), device code only: the same
// Philox blocks (kiln/runtime/Philox.h) and Box-Muller pairs (kiln/runtime/BoxMuller.h,
// whose logarithm, sine and cosine are plain IEEE arithmetic) as the CPU's normalTile
// (runtime/lib/core/NormalTile.cpp), a thread per Philox block, without FMA contraction
// (-fmad=false) as on the CPU: every draw equals the CPU's bit for bit.
#include "kiln/runtime/Abi.h"
#include "kiln/runtime/BoxMuller.h"
#include "kiln/runtime/Philox.h"

#include <cstdint>

namespace {

using kiln::rt::detail::boxMullerPair;

template <typename T>
__device__ void store(T *out, int64_t count, int64_t at, double mean, double value) {
  if (at < count)
    out[at] = static_cast<T>(mean + value);
}

/// The Philox key: the seed in device memory plus the call's offset.
__device__ std::array<uint32_t, 2> normalKey(const kiln_normal_config &c, const int64_t *key) {
  const uint64_t seed = static_cast<uint64_t>(*key) + static_cast<uint64_t>(c.key_offset);
  return {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
}

/// Philox block b of the normal stream.
__device__ std::array<uint32_t, 4> normalBlock(int64_t b, const std::array<uint32_t, 2> &k) {
  return kiln::rt::philox4x32(
      {static_cast<uint32_t>(b), static_cast<uint32_t>(uint64_t(b) >> 32),
       kiln::rt::detail::kNormalStream, 0},
      k);
}

} // namespace

/// y[count] from the key in device memory (one i64) plus the offset.
extern "C" __global__ void kiln_gpu_normal_f32(kiln_normal_config c, const int64_t *key, float *y) {
  const std::array<uint32_t, 2> k = normalKey(c, key);
  // Block b holds pairs 2b and 2b + 1: elements 4b .. 4b + 3.
  const int64_t blocks = (c.count + 3) / 4;
  for (int64_t b = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; b < blocks;
       b += int64_t(gridDim.x) * blockDim.x) {
    std::array<uint32_t, 4> w = normalBlock(b, k);
    using kiln::rt::detail::unit32;
    double c0, s0, c1, s1;
    boxMullerPair(unit32(w[0]), unit32(w[1]), c.stddev, c0, s0);
    boxMullerPair(unit32(w[2]), unit32(w[3]), c.stddev, c1, s1);
    store(y, c.count, 4 * b, c.mean, c0);
    store(y, c.count, 4 * b + 1, c.mean, s0);
    store(y, c.count, 4 * b + 2, c.mean, c1);
    store(y, c.count, 4 * b + 3, c.mean, s1);
  }
}

extern "C" __global__ void kiln_gpu_normal_f64(kiln_normal_config c, const int64_t *key, double *y) {
  const std::array<uint32_t, 2> k = normalKey(c, key);
  // Block b holds pair b: elements 2b and 2b + 1.
  const int64_t blocks = (c.count + 1) / 2;
  for (int64_t b = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; b < blocks;
       b += int64_t(gridDim.x) * blockDim.x) {
    std::array<uint32_t, 4> w = normalBlock(b, k);
    using kiln::rt::detail::unit53;
    double c0, s0;
    boxMullerPair(1.0 - unit53(w[0], w[1]), unit53(w[2], w[3]), c.stddev, c0, s0);
    store(y, c.count, 2 * b, c.mean, c0);
    store(y, c.count, 2 * b + 1, c.mean, s0);
  }
}
