// SPDX-License-Identifier: Apache-2.0
// The normal fills' inner loop in vector code. Compiled with -ffast-math and -fopenmp-simd
// (runtime/CMakeLists.txt): glibc declares the SIMD variants of log, sin and cos (libmvec)
// only under __FAST_MATH__, and the omp simd loops below then call them, 8 or 4 lanes at a
// time, beside Philox rounds on vector registers. That is 9x faster than scalar Philox and
// libm (15 ns a draw on one core), which made noise a third of a private training step; the
// draws stay within 2e-15 relative of scalar libm's. The target clones pick AVX-512, AVX2 or
// SSE2 when the library loads, so the build stays portable; without libmvec (another libc)
// the same loops call scalar libm and are only slower.
#include "NormalTile.h"
#include "TargetClones.h"
#include "kiln/runtime/Random.h"

#include <cmath>

namespace kiln::rt::detail {

namespace {
constexpr double kTwoPi = 6.283185307179586476925286766559;
constexpr int kPairs = static_cast<int>(kNormalTilePairs);
} // namespace

// Separate loops: GCC 12 vectorizes none of them when log, sin and cos share one.
KILN_TARGET_CLONES void normalTile(uint64_t seed, uint64_t firstPair, bool wide, double scale,
                                   double *__restrict cosines, double *__restrict sines) {
  double u1[kPairs], u2[kPairs], radius[kPairs], angle[kPairs];
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
  for (int i = 0; i < kPairs; ++i) {
    radius[i] = scale * std::sqrt(-2.0 * std::log(u1[i]));
    angle[i] = kTwoPi * u2[i];
  }
#pragma omp simd
  for (int i = 0; i < kPairs; ++i)
    cosines[i] = radius[i] * std::cos(angle[i]);
#pragma omp simd
  for (int i = 0; i < kPairs; ++i)
    sines[i] = radius[i] * std::sin(angle[i]);
}

} // namespace kiln::rt::detail
