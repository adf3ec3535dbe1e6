// SPDX-License-Identifier: Apache-2.0
// kiln_matmul_f32 (Abi.h): single-precision GEMM for compiled code, through oneDNN.
#include "kiln/runtime/Abi.h"

#include <oneapi/dnnl/dnnl.h>

#include <cstdio>

extern "C" __attribute__((visibility("default"))) void
kiln_matmul_f32(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b,
                int64_t ldb, float *c, int64_t ldc) {
  // C += A B with no terms leaves C as it is. oneDNN refuses some such shapes (a batch of
  // zero rows through a dynamic extent: m = 0), which is no reason for the fallback's warning.
  if (m == 0 || n == 0 || k == 0)
    return;
  if (dnnl_sgemm('N', 'N', m, n, k, 1.0f, a, lda, b, ldb, 1.0f, c, ldc) == dnnl_success)
    return;
  // Otherwise oneDNN refuses only arguments the compiler never emits (negative sizes, short
  // leading dimensions); a plain loop keeps the result right rather than aborting the host process.
  std::fprintf(stderr, "kiln: oneDNN sgemm rejected a %lldx%lldx%lld product; using a plain "
                       "loop\n", (long long)m, (long long)n, (long long)k);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < n; ++j)
        c[i * ldc + j] += a[i * lda + p] * b[p * ldb + j];
}
