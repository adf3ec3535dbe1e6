// SPDX-License-Identifier: Apache-2.0
// Counter-based random numbers (Philox4x32-10) for initialising and perturbing tensors.
#ifndef KILN_RUNTIME_RANDOM_H
#define KILN_RUNTIME_RANDOM_H

#include "kiln/runtime/Status.h"
#include "kiln/runtime/InitSpec.h"
#include "kiln/runtime/Philox.h"
#include "kiln/runtime/Tensor.h"

#include <array>
#include <cstdint>

namespace kiln::rt {

/// Fills an f32 or f64 tensor with values uniform in [lo, hi). Element i depends only on
/// (seed, i), never on how the work is split across threads. kInvalidArgument for another
/// dtype, an invalid view, lo > hi or a non-finite bound.
Status fillUniform(const TensorView &tensor, uint64_t seed, float lo, float hi);

/// Fills an f32 or f64 tensor with normal samples (Box-Muller over two uniforms, so elements
/// 2k and 2k+1 share a pair). Like fillUniform, element i depends only on (seed, i), never
/// on the thread count. The logarithm, sine and cosine are kiln/runtime/BoxMuller.h's
/// (within an ulp of libm's, and the CUDA kernel's bits), vectorized, in parallel on the
/// runtime's thread pool.
/// kInvalidArgument for another dtype, an invalid view, stddev < 0 or a non-finite parameter.
Status fillNormal(const TensorView &tensor, uint64_t seed, float mean, float stddev);

/// Fills `tensor` as an InitSpec says (a signature's "init"): constants for every dtype except
/// 16-bit floats (zeros only), random initialisers for f32 and f64 from `seed`.
Status fillInit(const TensorView &tensor, const InitSpec &init, uint64_t seed);

} // namespace kiln::rt

#endif // KILN_RUNTIME_RANDOM_H
