// SPDX-License-Identifier: Apache-2.0
// The inner loops of the entropic OT solver (OptimalTransport.cpp), shared by the instruction
// set variants of TransportLoops.inc. Internal to libkiln_runtime.
#ifndef KILN_RUNTIME_REGULARIZERS_TRANSPORT_H
#define KILN_RUNTIME_REGULARIZERS_TRANSPORT_H

#include "kiln/runtime/regularizers/OptimalTransport.h"

#include <cstdint>

namespace kiln::rt::transport {

/// One side of a cost matrix: `count` points of R^d, row-major, with their squared norms and
/// a transposed copy [d][count] so that the loops over the other side's points vectorize.
template <typename T> struct Cloud {
  const T *points = nullptr;
  const T *transposed = nullptr;
  const T *sqNorms = nullptr;
  int64_t count = 0;
};

/// The rows and columns of one orientation of C (rows = x, cols = y, or the transpose), and
/// the stored matrix when there is one ([rows][cols], row-major).
template <typename T> struct Orientation {
  Cloud<T> rows, cols;
  int64_t dim = 0;
  TransportCost cost = TransportCost::SqEuclidean;
  const T *matrix = nullptr;
};

/// Columns per tile: a row of a tile and its exponentials stay in L1.
constexpr int64_t kTileCols = 256;

/// The loops, once per instruction set (the ISA namespaces below).
#define KILN_TRANSPORT_DECLARE_LOOPS(T)                                                      \
  /* out[r] = C[r][0..cols) for rows [r0, r1) (the stored matrix). */                         \
  void costRows(const Orientation<T> &o, int64_t r0, int64_t r1, T *out);                    \
  /* sum and sumSq[r - r0] = sum_j C_rj and sum_j C_rj^2, in double. */                       \
  void costMoments(const Orientation<T> &o, int64_t r0, int64_t r1, double *sum,             \
                   double *sumSq);                                                           \
  /* lse[r] = log sum_j exp((h_j - C_rj) * invEps), rows [r0, r1). */                          \
  void lseRows(const Orientation<T> &o, const T *h, T invEps, int64_t r0, int64_t r1, T *lse); \
  /* With w_rj = exp((f_r + h_j - C_rj) * invEps), the plan, times 1 / C_rj for Euclidean:    \
   * weight[r - r0] = sum_j w_rj and moment[(r - r0) * d + k] = sum_j w_rj q_jk. */           \
  void planRows(const Orientation<T> &o, const T *f, const T *h, T invEps, int64_t r0,       \
                int64_t r1, double *weight, double *moment);

namespace avx512 {
KILN_TRANSPORT_DECLARE_LOOPS(float)
KILN_TRANSPORT_DECLARE_LOOPS(double)
} // namespace avx512
namespace generic {
KILN_TRANSPORT_DECLARE_LOOPS(float)
KILN_TRANSPORT_DECLARE_LOOPS(double)
} // namespace generic

} // namespace kiln::rt::transport

#endif // KILN_RUNTIME_REGULARIZERS_TRANSPORT_H
