// SPDX-License-Identifier: Apache-2.0
// The inner loop of the normal fills (Random.cpp): Philox blocks to Box-Muller pairs, a
// fixed-size tile at a time, in vector code (NormalTile.cpp).
#ifndef KILN_RUNTIME_CORE_NORMALTILE_H
#define KILN_RUNTIME_CORE_NORMALTILE_H

#include "kiln/runtime/Philox.h"

#include <cstdint>

namespace kiln::rt::detail {

/// Box-Muller pairs per tile. Every pair goes through the same vector code whatever the
/// tensor's size or the threads' split (a short tail computes a whole tile), so a draw's
/// bits depend only on (seed, its index).
constexpr int64_t kNormalTilePairs = 64;

/// Pairs [firstPair, firstPair + kNormalTilePairs) of `seed`'s normal stream, scaled by
/// `scale`: pair p gives cosines[i] = r cos t and sines[i] = r sin t (i = p - firstPair),
/// r = scale * sqrt(-2 log u1), t = 2 pi u2. For f32 tensors (`wide` false) block p / 2
/// holds two pairs, words {0, 1} and {2, 3}, each a uniform (w + 0.5) 2^-32 in (0, 1); for
/// f64 block p holds one, u1 = 1 - (words 0, 1 as 53 bits), u2 = (words 2, 3 as 53 bits).
void normalTile(uint64_t seed, uint64_t firstPair, bool wide, double scale, double *cosines,
                double *sines);

} // namespace kiln::rt::detail

#endif // KILN_RUNTIME_CORE_NORMALTILE_H
