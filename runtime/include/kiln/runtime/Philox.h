// SPDX-License-Identifier: Apache-2.0
// Philox4x32-10 and the uniforms Kiln's fills take from its words: one definition for the
// CPU fills (Random.cpp, NormalTile.cpp) and the CUDA kernels (runtime/lib/cuda/kernels),
// so that both draw the same bits. No dependencies, so nvcc compiles it as device code.
#ifndef KILN_RUNTIME_PHILOX_H
#define KILN_RUNTIME_PHILOX_H

#include "kiln/runtime/HostDevice.h"

#include <array>
#include <cstdint>

namespace kiln::rt {

/// One Philox4x32-10 block (Salmon et al., SC'11; the Random123 reference): ten rounds over
/// `counter` with `key`. Pure, so any element of a stream can be computed independently.
/// Inline, so that loops over blocks vectorize.
KILN_HOST_DEVICE constexpr std::array<uint32_t, 4> philox4x32(std::array<uint32_t, 4> counter,
                                                              std::array<uint32_t, 2> key) {
  // Constants and round structure from Random123's philox.h (Philox4x32, W32 key schedule).
  constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    uint64_t product0 = uint64_t{kMul0} * counter[0];
    uint64_t product1 = uint64_t{kMul1} * counter[2];
    counter = {static_cast<uint32_t>(product1 >> 32) ^ counter[1] ^ key[0],
               static_cast<uint32_t>(product1),
               static_cast<uint32_t>(product0 >> 32) ^ counter[3] ^ key[1],
               static_cast<uint32_t>(product0)};
    key[0] += kWeyl0;
    key[1] += kWeyl1;
  }
  return counter;
}

namespace detail {

/// Philox counter stream of the normal fills (Random.cpp's Stream::kNormal).
constexpr uint32_t kNormalStream = 2;

/// In [0, 1) with the full 53-bit double mantissa, from two Philox words (the f64 uniforms
/// of both fills).
KILN_HOST_DEVICE constexpr double unit53(uint32_t high, uint32_t low) {
  return static_cast<double>(((uint64_t{high} << 32) | low) >> 11) * 0x1p-53;
}

/// In (0, 1), exactly (w + 0.5) 2^-32: the uniforms of the f32 normal fills' Box-Muller pairs.
KILN_HOST_DEVICE constexpr double unit32(uint32_t w) { return (w + 0.5) * 0x1p-32; }

} // namespace detail
} // namespace kiln::rt

#endif // KILN_RUNTIME_PHILOX_H
