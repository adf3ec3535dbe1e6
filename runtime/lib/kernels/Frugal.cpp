// SPDX-License-Identifier: Apache-2.0
// kiln_frugal_f32/_f64 and kiln_frugal_blocks_f32/_f64 (Abi.h): one FRUGAL step (docs/algorithms.md
// 2) for one parameter (or, blockwise, a list of them), in a single pass over memory. The state-full subspace is a sorted list of columns, rows or
// coordinates. Rows are updated whole by the rule they belong to; a row (columns) or a chunk
// (coordinates) mixing both takes the state-free update in one vectorized pass while in
// cache, with its few state-full coordinates gathered before and updated after, reading m
// and v only where they exist (no mask, no projected copy of the parameter, no position
// map).
#include "kiln/runtime/Abi.h"
#include "kiln/runtime/Random.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <vector>

namespace {

// Philox counter stream of subspace draws, apart from the fills' (1, 2) and dropout's.
constexpr uint32_t kSubspaceStream = 0x46525547u; // "FRUG"


} // namespace

namespace kiln::rt::kernels {

kiln_frugal_config frugalConfig(const int64_t *params) {
  kiln_frugal_config c;
  std::memcpy(&c, params, sizeof(c));
  return c;
}

/// `k` distinct indices of [0, n), ascending: the first k entries of a Fisher-Yates shuffle
/// whose i-th swap partner comes from Philox4x32-10 (counter {i, i >> 32, stream}, `key`).
void drawSubspace(int64_t n, int64_t k, uint64_t key, int64_t *out) {
  std::vector<int64_t> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  for (int64_t i = 0; i < k; ++i) {
    auto w = kiln::rt::philox4x32(
        {uint32_t(i), uint32_t(uint64_t(i) >> 32), kSubspaceStream, 0},
        {uint32_t(key), uint32_t(key >> 32)});
    uint64_t r = (uint64_t(w[0]) << 32) | w[1];
    std::swap(perm[i], perm[i + int64_t(r % uint64_t(n - i))]);
  }
  std::copy(perm.begin(), perm.begin() + k, out);
  std::sort(out, out + k);
}


namespace avx512 {
void frugalF32(const int64_t *, void *const *);
void frugalF64(const int64_t *, void *const *);
void frugalBlocksF32(const int64_t *, void *const *);
void frugalBlocksF64(const int64_t *, void *const *);
} // namespace avx512
namespace generic {
void frugalF32(const int64_t *, void *const *);
void frugalF64(const int64_t *, void *const *);
void frugalBlocksF32(const int64_t *, void *const *);
void frugalBlocksF64(const int64_t *, void *const *);
} // namespace generic
// The SVD projection (FrugalSvd.cpp): matmul-bound, so one build serves every CPU.
void frugalSvdF32(const int64_t *, void *const *);
void frugalSvdF64(const int64_t *, void *const *);

} // namespace kiln::rt::kernels

using namespace kiln::rt::kernels;

// The loops are compiled twice (FrugalIsa.cpp): for AVX-512, which compiled steps use on
// this kind of machine, and for the x86-64 baseline; the first call picks by CPU.
namespace {
bool hasAvx512() {
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                          __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
  return yes;
}
} // namespace

extern "C" __attribute__((visibility("default"))) void kiln_frugal_f32(const int64_t *params,
                                                                       void *const *buffers) {
  if (frugalConfig(params).projection == 3)
    return frugalSvdF32(params, buffers);
  hasAvx512() ? avx512::frugalF32(params, buffers) : generic::frugalF32(params, buffers);
}
extern "C" __attribute__((visibility("default"))) void kiln_frugal_f64(const int64_t *params,
                                                                       void *const *buffers) {
  if (frugalConfig(params).projection == 3)
    return frugalSvdF64(params, buffers);
  hasAvx512() ? avx512::frugalF64(params, buffers) : generic::frugalF64(params, buffers);
}
extern "C" __attribute__((visibility("default"))) void
kiln_frugal_blocks_f32(const int64_t *params, void *const *buffers) {
  hasAvx512() ? avx512::frugalBlocksF32(params, buffers)
              : generic::frugalBlocksF32(params, buffers);
}
extern "C" __attribute__((visibility("default"))) void
kiln_frugal_blocks_f64(const int64_t *params, void *const *buffers) {
  hasAvx512() ? avx512::frugalBlocksF64(params, buffers)
              : generic::frugalBlocksF64(params, buffers);
}
