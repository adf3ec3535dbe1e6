// SPDX-License-Identifier: Apache-2.0
// Counter-based random numbers (Philox4x32-10) for initialising and perturbing tensors.
#ifndef KILN_RUNTIME_RANDOM_H
#define KILN_RUNTIME_RANDOM_H

#include "kiln/runtime/Status.h"
#include "kiln/runtime/InitSpec.h"
#include "kiln/runtime/Tensor.h"

#include <array>
#include <cstdint>

namespace kiln::rt {

/// One Philox4x32-10 block (Salmon et al., SC'11; the Random123 reference): ten rounds over
/// `counter` with `key`. Pure, so any element of a stream can be computed independently.
/// Inline, so that loops over blocks vectorize.
inline std::array<uint32_t, 4> philox4x32(std::array<uint32_t, 4> counter,
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

/// Fills an f32 or f64 tensor with values uniform in [lo, hi). Element i depends only on
/// (seed, i), never on how the work is split across threads. kInvalidArgument for another
/// dtype, an invalid view, lo > hi or a non-finite bound.
Status fillUniform(const TensorView &tensor, uint64_t seed, float lo, float hi);

/// Fills an f32 or f64 tensor with normal samples (Box-Muller over two uniforms, so elements
/// 2k and 2k+1 share a pair). Like fillUniform, element i depends only on (seed, i), never
/// on the thread count. The logarithms and trigonometry run on glibc's vector math library
/// (within 2e-15 relative of scalar libm), in parallel on the runtime's thread pool.
/// kInvalidArgument for another dtype, an invalid view, stddev < 0 or a non-finite parameter.
Status fillNormal(const TensorView &tensor, uint64_t seed, float mean, float stddev);

/// Fills `tensor` as an InitSpec says (a signature's "init"): constants for every dtype except
/// 16-bit floats (zeros only), random initialisers for f32 and f64 from `seed`.
Status fillInit(const TensorView &tensor, const InitSpec &init, uint64_t seed);

} // namespace kiln::rt

#endif // KILN_RUNTIME_RANDOM_H
