// SPDX-License-Identifier: Apache-2.0
// kiln.frugal with projection "svd" (kiln_frugal_config projection 3): the reference's
// GaloreOptimizer with proj_side "std" (docs/algorithms.md §2.2). The subspace is spanned by the
// gradient's top-r singular vectors (LAPACK's divide-and-conquer SVD, every update_gap
// steps); the projections down and up are matrix products, oneDNN's sgemm for f32 and BLAS
// for the f64 reference. The projected copies are what GaLore is: they live in per-thread
// scratch, reused from step to step.
#include "kiln/runtime/Abi.h"

#include <cblas.h>
#include <lapacke.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

namespace kiln::rt::kernels {
kiln_frugal_config frugalConfig(const int64_t *params);

namespace {

/// Row-major C = alpha op(A) op(B) + beta C.
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
          const float *b, int64_t ldb, float beta, float *c, int64_t ldc) {
  if (dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc) ==
      dnnl_success)
    return;
  // oneDNN rejects only malformed sizes, which the verifier rules out; BLAS keeps it right.
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              int(m), int(n), int(k), 1.0f, a, int(lda), b, int(ldb), beta, c, int(ldc));
}
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const double *a, int64_t lda,
          const double *b, int64_t ldb, double beta, double *c, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              int(m), int(n), int(k), 1.0, a, int(lda), b, int(ldb), beta, c, int(ldc));
}

lapack_int gesdd(lapack_int m, lapack_int n, float *a, float *s, float *u, float *vt) {
  return LAPACKE_sgesdd(LAPACK_ROW_MAJOR, 'S', m, n, a, n, s, u, std::min(m, n), vt, n);
}
lapack_int gesdd(lapack_int m, lapack_int n, double *a, double *s, double *u, double *vt) {
  return LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'S', m, n, a, n, s, u, std::min(m, n), vt, n);
}
lapack_int gesvd(lapack_int m, lapack_int n, float *a, float *s, float *u, float *vt,
                 float *work) {
  return LAPACKE_sgesvd(LAPACK_ROW_MAJOR, 'S', 'S', m, n, a, n, s, u, std::min(m, n), vt, n,
                        work);
}
lapack_int gesvd(lapack_int m, lapack_int n, double *a, double *s, double *u, double *vt,
                 double *work) {
  return LAPACKE_dgesvd(LAPACK_ROW_MAJOR, 'S', 'S', m, n, a, n, s, u, std::min(m, n), vt, n,
                        work);
}

/// The projector from the gradient g [rows, cols]: the first r rows of Vh ([r, cols]) when
/// `right`, else the first r columns of U ([rows, r]), as torch.linalg.svd orders them
/// (singular values descending). A gradient LAPACK cannot decompose (NaN or Inf, or no
/// convergence from either driver) gives a NaN projector, so the step turns the parameter
/// NaN and the trainer's non-finite check reports it rather than training on silently.
template <typename T>
void project(const T *g, int64_t rows, int64_t cols, int64_t r, bool right, T *projector) {
  const int64_t d = std::min(rows, cols);
  std::vector<T> a(g, g + rows * cols), s(d), u(rows * d), vt(d * cols);
  lapack_int info = gesdd(lapack_int(rows), lapack_int(cols), a.data(), s.data(), u.data(),
                          vt.data());
  if (info > 0) {
    // Divide and conquer did not converge: QR iteration is slower but sturdier.
    std::vector<T> work(std::max<int64_t>(d, 1));
    std::copy(g, g + rows * cols, a.begin());
    info = gesvd(lapack_int(rows), lapack_int(cols), a.data(), s.data(), u.data(), vt.data(),
                 work.data());
  }
  if (info != 0) {
    std::fill(projector, projector + r * (right ? cols : rows),
              std::numeric_limits<T>::quiet_NaN());
    return;
  }
  if (right)
    std::copy(vt.begin(), vt.begin() + r * cols, projector);
  else
    for (int64_t i = 0; i < rows; ++i)
      std::copy(u.begin() + i * d, u.begin() + i * d + r, projector + i * r);
}

template <typename T> struct Scratch {
  std::vector<T> down, full, residual;
};

template <typename T> void frugalSvd(const int64_t *params, void *const *buffers) {
  const kiln_frugal_config c = frugalConfig(params);
  const T *g = static_cast<const T *>(buffers[0]);
  T *p = static_cast<T *>(buffers[1]);
  T *m = static_cast<T *>(buffers[2]);
  T *v = static_cast<T *>(buffers[3]);
  T *proj = static_cast<T *>(buffers[4]);
  int64_t *step = static_cast<int64_t *>(buffers[5]);
  const int64_t rows = c.rows, cols = c.cols, r = c.k, n = rows * cols;
  const bool right = rows >= cols, adam = c.state_full == 0;
  const int64_t stateSize = right ? rows * r : r * cols;
  // Re-selection (docs/algorithms.md §2.3, reset_statistics) from the current gradient.
  if (*step == 0 || *step >= c.update_gap) {
    if (r > 0)
      project(g, rows, cols, r, right, proj);
    // fill_n, not memset: at rank 0 the state is empty and its buffer may be null.
    std::fill_n(m, stateSize, T(0));
    if (adam)
      std::fill_n(v, stateSize, T(0));
    *step = 0;
  }
  *step += 1;
  const double s = double(*step);
  // Scalars rounded to T where they meet a tensor, as kiln.frugal's other projections do, so
  // that rank 0 is kiln.sign_sgd (or SGD) bit for bit.
  const T decay = T(1 - c.lr * c.weight_decay), negFreeStep = T(-(c.lr * c.free_lr_scale));
  const bool signFree = c.state_free == 0;
  if (r == 0) {
    for (int64_t j = 0; j < n; ++j) {
      T x = g[j], direction = signFree ? (x > 0 ? T(1) : x < 0 ? T(-1) : x) : x;
      p[j] = p[j] * decay + negFreeStep * direction;
    }
    return;
  }
  thread_local Scratch<T> scratch;
  scratch.down.resize(stateSize);
  scratch.full.resize(n);
  scratch.residual.resize(n);
  T *gd = scratch.down.data(), *full = scratch.full.data(), *res = scratch.residual.data();
  // gd = down(g): g P^T [rows, r] on the right, P^T g [r, cols] on the left.
  if (right)
    gemm(false, true, rows, r, cols, g, cols, proj, cols, T(0), gd, r);
  else
    gemm(true, false, r, cols, rows, proj, r, g, cols, T(0), gd, cols);
  // The residual g - up(gd), which the state-free rule moves.
  std::copy(g, g + n, res);
  for (int64_t j = 0; j < stateSize; ++j)
    gd[j] = -gd[j];
  if (right)
    gemm(false, false, rows, cols, r, gd, r, proj, cols, T(1), res, cols);
  else
    gemm(false, false, rows, cols, r, proj, r, gd, cols, T(1), res, cols);
  // The state-full update u on the subspace, in gd's place (gd holds -down(g) here).
  if (adam) {
    const T w = T(1 - c.beta1), b2 = T(c.beta2), c2 = T(1 - c.beta2),
            bc = T(std::sqrt(1 - std::pow(c.beta2, s))), e = T(c.eps),
            negStep = T(-(c.lr / (1 - std::pow(c.beta1, s))));
    for (int64_t j = 0; j < stateSize; ++j) {
      T x = -gd[j];
      T mj = m[j] + w * (x - m[j]);
      T vj = v[j] * b2 + (c2 * x) * x;
      m[j] = mj, v[j] = vj;
      gd[j] = (negStep * mj) / (std::sqrt(vj) / bc + e);
    }
  } else {
    const T b = T(c.beta1), negLr = T(-c.lr);
    for (int64_t j = 0; j < stateSize; ++j) {
      T mj = m[j] * b - gd[j];
      m[j] = mj;
      gd[j] = negLr * mj;
    }
  }
  // up(u), then one pass over the parameter.
  if (right)
    gemm(false, false, rows, cols, r, gd, r, proj, cols, T(0), full, cols);
  else
    gemm(false, false, rows, cols, r, proj, r, gd, cols, T(0), full, cols);
#pragma omp parallel for simd schedule(static)
  for (int64_t j = 0; j < n; ++j) {
    T x = res[j], direction = signFree ? (x > 0 ? T(1) : x < 0 ? T(-1) : x) : x;
    p[j] = p[j] * decay + (full[j] + negFreeStep * direction);
  }
}

} // namespace

void frugalSvdF32(const int64_t *params, void *const *buffers) {
  frugalSvd<float>(params, buffers);
}
void frugalSvdF64(const int64_t *params, void *const *buffers) {
  frugalSvd<double>(params, buffers);
}

} // namespace kiln::rt::kernels
