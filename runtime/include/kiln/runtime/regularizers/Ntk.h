// SPDX-License-Identifier: Apache-2.0
// The empirical neural tangent kernel (Jacot et al., 2018) of a model at its current
// parameters, and the diagnostics built on it: trace, eigenvalues and the condition number
// TE-NAS ranks architectures by (Chen et al., ICLR 2021). docs/algorithms.md §5.
//
// Theta(x, x') = J(x) J(x')^T with J(x) = d f(theta, x) / d theta, K logits, P parameters.
// As neural-tangents' empirical_ntk_fn with its default trace_axes=(-1,), the logit axis is
// contracted and divided by K ([N, N]); `traceLogits = false` gives the full [N, K, N, K].
// The Jacobian comes row by row (one sample, one logit) from a callback, or from a compiled
// entry point that returns the VJP of the model for one sample and a cotangent
// (compiledJacobianRows). The kernel is accumulated in double, one logit at a time, so memory
// is N x P doubles whatever K is (the Jacobian contraction of neural-tangents, per logit).
#ifndef KILN_RUNTIME_REGULARIZERS_NTK_H
#define KILN_RUNTIME_REGULARIZERS_NTK_H

#include "kiln/runtime/Session.h"
#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace kiln::rt {

/// Writes d f_logit(x_sample) / d theta, P values, into `row`.
using JacobianRowFn = std::function<Status(int64_t sample, int64_t logit, double *row)>;

struct NtkOptions {
  /// neural-tangents' default: contract the logits and divide by K, giving [N, N].
  bool traceLogits = true;
};

/// The empirical NTK of N samples with K logits and P parameters: an f64 tensor [N, N]
/// (traced) or [N, K, N, K]. Errors from `row` are returned as they are; a row that is not
/// finite is kInvalidArgument naming the sample and logit.
StatusOr<Tensor> empiricalNtk(int64_t samples, int64_t logits, int64_t parameters,
                              const JacobianRowFn &row, const NtkOptions &options = {});

/// What an NTK says about trainability.
struct NtkSpectrum {
  std::vector<double> eigenvalues; ///< ascending (LAPACK dsyevd)
  double trace = 0;                ///< the sum of the diagonal
  /// lambda_max / lambda_min, TE-NAS' score (lower trains better); TE-NAS' sentinel 1e5
  /// when lambda_min <= 0 (a rank-deficient kernel: more samples than the model separates).
  double conditionNumber = 0;
};

/// The spectrum of a symmetric kernel: [N, N], or [N, K, N, K] read as [N K, N K]; f32 or
/// f64. kInvalidArgument for another shape, a non-finite entry, or one that is not symmetric
/// to 1e-9 relative.
StatusOr<NtkSpectrum> ntkSpectrum(const TensorView &kernel);

/// Jacobian rows from a compiled VJP: `vjp` is an entry point whose inputs include the model
/// input for one sample (`xInput`, shape [1, ...]) and a cotangent of the logits
/// (`cotangentInput`, shape [1, K]), and whose results are d/dtheta sum_k c_k f_k(x) for
/// each parameter (all its results, flattened in order, are the row: P values). `inputs`
/// holds a view of every input of `vjp` (the parameters; the x and cotangent entries are
/// replaced); `samples` is the batch [N, ...] whose rows are fed one at a time. The
/// returned function calls `session` and is valid while everything passed here lives.
StatusOr<JacobianRowFn> compiledJacobianRows(Session &session, const Function &vjp,
                                             std::vector<TensorView> inputs, size_t xInput,
                                             size_t cotangentInput, const TensorView &samples);

/// P, the number of values compiledJacobianRows writes per row: the total size of `vjp`'s
/// results.
int64_t jacobianRowLength(const Function &vjp);

} // namespace kiln::rt

#endif // KILN_RUNTIME_REGULARIZERS_NTK_H
