// SPDX-License-Identifier: Apache-2.0
// Entropic optimal transport between point clouds, and the two regularizers built on it: the
// Monge gap (Uscidda & Cuturi, ICML 2023) and the Sinkhorn divergence (Genevay et al., 2018;
// Feydy et al., 2019). Callable from any C++ application without compiling a program; the
// kiln.monge_gap and kiln.sinkhorn_divergence ops of compiled programs call the same code.
//
// The solver follows OTT-JAX's balanced, log-domain Sinkhorn (docs/algorithms.md §6
// has the update order, the defaults and where they differ): uniform weights, potentials
// f, g with P_ij = exp((f_i + g_j - C_ij) / epsilon), g updated before f, the marginal error
// ||P^T 1 - b||_1 checked every `innerIterations` iterations. Gradients follow from the
// envelope (Danskin) theorem: dW/dC = P at the optimal potentials, nothing is unrolled.
//
// Memory: below `materializeLimit` entries the n x m cost matrix is stored once; above it the
// cost is recomputed tile by tile from the points, so memory is O((n + m) d) however large
// the clouds are. Both paths visit the same numbers in the same order per row, so they agree
// to the last bit up to the cost's own rounding.
#ifndef KILN_RUNTIME_REGULARIZERS_OPTIMALTRANSPORT_H
#define KILN_RUNTIME_REGULARIZERS_OPTIMALTRANSPORT_H

#include "kiln/runtime/Status.h"
#include "kiln/runtime/Tensor.h"

#include <cstdint>
#include <vector>

namespace kiln::rt {

/// The ground cost between two points of R^d.
enum class TransportCost : uint8_t {
  SqEuclidean, ///< ||x - y||^2 (OTT's costs.SqEuclidean, POT's "sqeuclidean"; no 1/2)
  Euclidean,   ///< ||x - y||   (OTT's costs.Euclidean); its gradient at x = y is taken as 0
};

/// How `SinkhornOptions::epsilon` sets the entropic regularization.
enum class EpsilonMode : uint8_t {
  Absolute,      ///< epsilon as given
  TimesStdCost,  ///< epsilon * std(C) over all n x m entries (OTT's default, with 0.05)
  TimesMeanCost, ///< epsilon * mean(C) (OTT's relative_epsilon = "mean")
};

struct SinkhornOptions {
  TransportCost cost = TransportCost::SqEuclidean;
  /// With the default mode, OTT's default: 0.05 * std(C). The statistic is a constant for
  /// the gradients (OTT's stop_gradient).
  double epsilon = 0.05;
  EpsilonMode epsilonMode = EpsilonMode::TimesStdCost;
  /// Stop once the L1 marginal error falls below this (OTT: 1e-3).
  double threshold = 1e-3;
  /// At most this many (g, f) update pairs (OTT: 2000).
  int64_t maxIterations = 2000;
  /// The error is evaluated every this many iterations, and at the last (OTT: 10).
  int64_t innerIterations = 10;
  /// The largest n * m for which the cost matrix is stored (two copies: C and its
  /// transpose); larger problems recompute it in tiles. 0 always recomputes.
  int64_t materializeLimit = int64_t(1) << 22;
};

/// How one Sinkhorn solve went. A solve that did not converge still yields the values of its
/// last potentials, as OTT does; callers decide whether that is acceptable.
struct SinkhornStats {
  double epsilon = 0;      ///< the absolute epsilon used
  int64_t iterations = 0;  ///< (g, f) update pairs done
  double error = 0;        ///< the last L1 marginal error evaluated
  bool converged = false;  ///< error < threshold
  bool tiled = false;      ///< the cost was recomputed in tiles (not stored)
};

/// The entropic OT problem between uniform measures on the rows of x [n, d] and y [m, d].
struct SinkhornResult {
  /// <P, C> - epsilon H(P) at the optimum (OTT's ent_reg_cost; the W_{c,eps} of the Monge gap).
  double entRegCost = 0;
  /// <P, C> + epsilon KL(P || a b^T) (OTT's reg_ot_cost; what the Sinkhorn divergence combines).
  double regOtCost = 0;
  SinkhornStats stats;
  /// The dual potentials, in the points' precision widened to double.
  std::vector<double> f, g;
};

/// Solves the entropic OT problem between the rows of `x` and `y` (f32 or f64, rank 2, same
/// d). kInvalidArgument for empty clouds, mismatched shapes or dtypes, non-finite points or
/// options out of range (epsilon <= 0, threshold <= 0, iterations < 1).
StatusOr<SinkhornResult> solveSinkhorn(const TensorView &x, const TensorView &y,
                                       const SinkhornOptions &options = {});

/// A regularizer's value, the Sinkhorn solve(s) behind it, and optionally its gradients.
struct RegularizerResult {
  double value = 0;
  /// The solve of the (x, y) problem; the Sinkhorn divergence adds (x, x) and (y, y).
  std::vector<SinkhornStats> solves;
  /// True when every solve converged.
  bool converged() const;
};

/// The entropic Monge gap of the map x_i -> y_i (paper Eq. 8, OTT's monge_gap_from_samples):
/// mean_i c(x_i, y_i) - W_{c,eps}(x, y). `x` and `y` are [n, d]. When `gradX` / `gradY` are
/// non-null they must be tensors of the points' dtype and shape and receive dM/dx, dM/dy.
StatusOr<RegularizerResult> mongeGap(const TensorView &x, const TensorView &y,
                                     const SinkhornOptions &options = {},
                                     const TensorView *gradX = nullptr,
                                     const TensorView *gradY = nullptr);

/// The debiased Sinkhorn divergence OT(x, y) - OT(x, x) / 2 - OT(y, y) / 2 with OT = reg_ot_cost
/// (OTT's sinkhorn_divergence with uniform weights). The epsilon of the (x, y) problem is used
/// for all three (OTT's share_epsilon). x is [n, d], y is [m, d]; gradients as for mongeGap.
StatusOr<RegularizerResult> sinkhornDivergence(const TensorView &x, const TensorView &y,
                                               const SinkhornOptions &options = {},
                                               const TensorView *gradX = nullptr,
                                               const TensorView *gradY = nullptr);

} // namespace kiln::rt

#endif // KILN_RUNTIME_REGULARIZERS_OPTIMALTRANSPORT_H
