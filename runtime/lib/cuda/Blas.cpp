// SPDX-License-Identifier: Apache-2.0
// The library kernels that CUDA modules call for heavy linear algebra (Abi.h): cuBLAS, on the
// per-thread stream the step's kernels run on, so that a product is ordered with them.
#include "Backend.h"

#include "kiln/runtime/Abi.h"

#include <cublas_v2.h>

#include <string>

namespace {

bool checkBlas(cublasStatus_t status, const char *what) {
  if (status == CUBLAS_STATUS_SUCCESS)
    return true;
  kiln::cuda::recordError(std::string(what) + ": " + cublasGetStatusString(status));
  return false;
}

/// The calling thread's cuBLAS handle, bound to its stream; null after recording why not.
cublasHandle_t handle() {
  thread_local cublasHandle_t h = nullptr;
  if (!h) {
    if (!kiln::cuda::driver() || !checkBlas(cublasCreate(&h), "cublasCreate"))
      return nullptr;
    // Full fp32 products, as the CPU's: no TF32 tensor cores unless Kiln is told so.
    checkBlas(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
  }
  if (!checkBlas(cublasSetStream(h, kiln::cuda::stream()), "cublasSetStream"))
    return nullptr;
  return h;
}

} // namespace

// Row-major C += A B, or C = A B without `accumulate`. cuBLAS is column-major: the same
// memory read column-major holds C^T, A^T and B^T, and C^T += B^T A^T is a column-major
// product with the operands swapped. A matrix stored transposed (row-major A^T) reads
// column-major as A, so it takes op = T.
extern "C" __attribute__((visibility("default"))) void
kiln_cuda_matmul_f32(int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                     const float *b, int64_t ldb, float *c, int64_t ldc, int64_t accumulate,
                     int64_t transposeA, int64_t transposeB) {
  if (kiln::cuda::lastError() || m == 0 || n == 0)
    return;
  cublasHandle_t h = handle();
  if (!h)
    return;
  const float one = 1.0f, beta = accumulate ? 1.0f : 0.0f;
  checkBlas(cublasSgemm(h, transposeB ? CUBLAS_OP_T : CUBLAS_OP_N,
                        transposeA ? CUBLAS_OP_T : CUBLAS_OP_N, int(n), int(m), int(k), &one, b,
                        int(ldb), a, int(lda), &beta, c, int(ldc)),
            "cublasSgemm");
}
