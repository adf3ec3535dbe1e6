// SPDX-License-Identifier: Apache-2.0
// The normal fills' inner loop in vector code: Philox blocks and Box-Muller pairs a tile at a
// time, in omp simd loops (-fopenmp-simd, runtime/CMakeLists.txt) over BoxMuller.h's
// logarithm, sine and cosine, which are plain IEEE arithmetic without branches: they
// vectorize, and without FMA contraction or reassociation they give the CUDA kernel's bits
// (runtime/lib/cuda/kernels/Random.cu). The target clones pick AVX-512, AVX2 or SSE2 when
// the library loads, so the build stays portable.
#include "NormalTile.h"
#include "TargetClones.h"
#include "kiln/runtime/BoxMuller.h"
#include "kiln/runtime/Random.h"

#include <cmath>

namespace kiln::rt::detail {

namespace {
constexpr int kPairs = static_cast<int>(kNormalTilePairs);
} // namespace

KILN_TARGET_CLONES void normalTile(uint64_t seed, uint64_t firstPair, bool wide, double scale,
                                   double *__restrict cosines, double *__restrict sines) {
  double u1[kPairs], u2[kPairs];
  const std::array<uint32_t, 2> key{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
  if (!wide) {
    const uint64_t firstBlock = firstPair / 2;
#pragma omp simd
    for (int j = 0; j < kPairs / 2; ++j) {
      uint64_t block = firstBlock + static_cast<uint64_t>(j);
      std::array<uint32_t, 4> w = philox4x32(
          {static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32), kNormalStream, 0}, key);
      u1[2 * j] = unit32(w[0]);
      u2[2 * j] = unit32(w[1]);
      u1[2 * j + 1] = unit32(w[2]);
      u2[2 * j + 1] = unit32(w[3]);
    }
  } else {
#pragma omp simd
    for (int j = 0; j < kPairs; ++j) {
      uint64_t block = firstPair + static_cast<uint64_t>(j);
      std::array<uint32_t, 4> w = philox4x32(
          {static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32), kNormalStream, 0}, key);
      u1[j] = 1.0 - unit53(w[0], w[1]);
      u2[j] = unit53(w[2], w[3]);
    }
  }
#pragma omp simd
  for (int i = 0; i < kPairs; ++i)
    boxMullerPair(u1[i], u2[i], scale, cosines[i], sines[i]);
}

} // namespace kiln::rt::detail
