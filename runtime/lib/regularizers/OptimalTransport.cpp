// SPDX-License-Identifier: Apache-2.0
// The entropic OT solver and the Monge gap and Sinkhorn divergence on it
// (kiln/runtime/regularizers/OptimalTransport.h; docs/algorithms.md §6).
// Work is split by rows over the runtime's thread pool (kiln_parallel_for); every row is
// computed by one thread and the sums over rows are taken in a fixed order afterwards, so the
// results do not depend on the thread count.
#include "kiln/runtime/regularizers/OptimalTransport.h"

#include "Transport.h"
#include "kiln/runtime/Abi.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <new>
#include <string>
#include <type_traits>

namespace kiln::rt {
namespace {

using transport::Cloud;
using transport::Orientation;

bool hasAvx512() {
  static const bool yes = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
                          __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
  return yes;
}

#define KILN_TRANSPORT_DISPATCH(fn, ...)                                                       \
  (hasAvx512() ? transport::avx512::fn(__VA_ARGS__) : transport::generic::fn(__VA_ARGS__))

/// Rows [0, n) in blocks over the runtime's pool: each body call gets [begin, end).
void parallelRows(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)> &body) {
  kiln_parallel_for(
      n, grain,
      [](int64_t begin, int64_t end, void *context) {
        (*static_cast<const std::function<void(int64_t, int64_t)> *>(context))(begin, end);
      },
      const_cast<void *>(static_cast<const void *>(&body)));
}

Status invalid(std::string message) {
  return Status::error(StatusCode::kInvalidArgument, std::move(message));
}

Status checkCloud(const TensorView &t, const char *name) {
  if (t.dtype != DType::F32 && t.dtype != DType::F64)
    return invalid(std::string(name) + " must be f32 or f64, not " + std::string(dtypeName(t.dtype)));
  if (t.shape.size() != 2)
    return invalid(std::string(name) + " must be a [points, dim] matrix, not " +
                   extentsToString(t.shape));
  if (t.shape[0] < 1 || t.shape[1] < 1)
    return invalid(std::string(name) + " is empty: " + extentsToString(t.shape) +
                   " (a point cloud needs at least one point of at least one coordinate)");
  if (!t.data)
    return invalid(std::string(name) + " has no data");
  int64_t n = t.numel();
  auto finite = [&](auto *p) {
    for (int64_t i = 0; i < n; ++i)
      if (!std::isfinite(p[i]))
        return i;
    return int64_t(-1);
  };
  int64_t bad = t.dtype == DType::F32 ? finite(static_cast<const float *>(t.data))
                                      : finite(static_cast<const double *>(t.data));
  if (bad >= 0)
    return invalid(std::string(name) + " has a non-finite coordinate at point " +
                   std::to_string(bad / t.shape[1]) + ", coordinate " +
                   std::to_string(bad % t.shape[1]));
  return Status();
}

Status checkOptions(const SinkhornOptions &o) {
  if (!std::isfinite(o.epsilon) || o.epsilon <= 0)
    return invalid("epsilon must be finite and positive, not " + std::to_string(o.epsilon));
  if (!std::isfinite(o.threshold) || o.threshold <= 0)
    return invalid("threshold must be finite and positive, not " + std::to_string(o.threshold));
  if (o.maxIterations < 1 || o.innerIterations < 1)
    return invalid("maxIterations and innerIterations must be at least 1");
  if (o.materializeLimit < 0)
    return invalid("materializeLimit must not be negative");
  if (o.cost != TransportCost::SqEuclidean && o.cost != TransportCost::Euclidean)
    return invalid("unknown transport cost");
  if (o.epsilonMode != EpsilonMode::Absolute && o.epsilonMode != EpsilonMode::TimesStdCost &&
      o.epsilonMode != EpsilonMode::TimesMeanCost)
    return invalid("unknown epsilon mode");
  return Status();
}

Status checkPair(const TensorView &x, const TensorView &y, const SinkhornOptions &options) {
  KILN_RETURN_IF_ERROR(checkCloud(x, "x"));
  KILN_RETURN_IF_ERROR(checkCloud(y, "y"));
  if (x.dtype != y.dtype)
    return invalid(std::string("x and y must have one dtype, not ") + std::string(dtypeName(x.dtype)) +
                   " and " + std::string(dtypeName(y.dtype)));
  if (x.shape[1] != y.shape[1])
    return invalid("x and y must have one dimension: x is " + extentsToString(x.shape) +
                   ", y is " + extentsToString(y.shape));
  return checkOptions(options);
}

Status checkGradient(const TensorView *grad, const TensorView &like, const char *name) {
  if (!grad)
    return Status();
  if (grad->dtype != like.dtype || grad->shape != like.shape || !grad->data)
    return invalid(std::string(name) + " must be a " + std::string(dtypeName(like.dtype)) + " tensor of shape " +
                   extentsToString(like.shape) + ", like the points");
  return Status();
}

/// A point cloud with the norms and transposed copy the loops read.
template <typename T> struct OwnedCloud {
  OwnedCloud(const T *points, int64_t count, int64_t dim)
      : transposed(size_t(count * dim)), sqNorms(size_t(count)) {
    cloud.points = points;
    cloud.count = count;
    for (int64_t i = 0; i < count; ++i) {
      T s = 0;
      for (int64_t k = 0; k < dim; ++k) {
        T v = points[i * dim + k];
        transposed[size_t(k * count + i)] = v;
        s += v * v;
      }
      sqNorms[size_t(i)] = s;
    }
    cloud.transposed = transposed.data();
    cloud.sqNorms = sqNorms.data();
  }
  std::vector<T> transposed, sqNorms;
  Cloud<T> cloud;
};

constexpr int64_t kRowGrain = 16;

/// The cost between two clouds in both orientations (x rows, y rows), stored when small.
template <typename T> struct Geometry {
  Geometry(const Cloud<T> &x, const Cloud<T> &y, int64_t dim, const SinkhornOptions &options) {
    xy.rows = yx.cols = x;
    xy.cols = yx.rows = y;
    xy.dim = yx.dim = dim;
    xy.cost = yx.cost = options.cost;
    tiled = x.count * y.count > options.materializeLimit;
    if (tiled)
      return;
    matrixXY.resize(size_t(x.count * y.count));
    matrixYX.resize(size_t(x.count * y.count));
    for (auto [o, m] : {std::pair{&xy, &matrixXY}, std::pair{&yx, &matrixYX}}) {
      T *out = m->data();
      const Orientation<T> &orient = *o;
      parallelRows(orient.rows.count, kRowGrain, [&](int64_t r0, int64_t r1) {
        KILN_TRANSPORT_DISPATCH(costRows, orient, r0, r1, out + r0 * orient.cols.count);
      });
    }
    xy.matrix = matrixXY.data();
    yx.matrix = matrixYX.data();
  }
  Orientation<T> xy, yx;
  std::vector<T> matrixXY, matrixYX;
  bool tiled = false;
};

template <typename T> double costStatistic(const Geometry<T> &geom, EpsilonMode mode) {
  const Orientation<T> &o = geom.xy;
  std::vector<double> sum(size_t(o.rows.count)), sumSq(size_t(o.rows.count));
  parallelRows(o.rows.count, kRowGrain, [&](int64_t r0, int64_t r1) {
    KILN_TRANSPORT_DISPATCH(costMoments, o, r0, r1, sum.data() + r0, sumSq.data() + r0);
  });
  double s = 0, s2 = 0;
  for (size_t i = 0; i < sum.size(); ++i) {
    s += sum[i];
    s2 += sumSq[i];
  }
  double count = double(o.rows.count) * double(o.cols.count);
  double mean = s / count;
  if (mode == EpsilonMode::TimesMeanCost)
    return mean;
  return std::sqrt(std::max(0.0, s2 / count - mean * mean)); // numpy's std: ddof = 0
}

/// The solver's state for one problem with uniform weights a = 1/n, b = 1/m.
template <typename T> struct Solve {
  std::vector<T> f, g;
  SinkhornStats stats;
  double entRegCost = 0, regOtCost = 0;
};

template <typename T> void lse(const Orientation<T> &o, const std::vector<T> &h, T invEps,
                               std::vector<T> &out) {
  parallelRows(o.rows.count, kRowGrain, [&](int64_t r0, int64_t r1) {
    KILN_TRANSPORT_DISPATCH(lseRows, o, h.data(), invEps, r0, r1, out.data());
  });
}

/// OTT's balanced log-domain Sinkhorn (lse_mode, sequential dual updates, no momentum):
///   g_j <- eps log b_j - eps LSE_i((f_i - C_ij) / eps)
///   f_i <- eps log a_i - eps LSE_j((g_j - C_ij) / eps)
/// After the f update the rows of P sum to a exactly; the error is ||P^T 1 - b||_1, and the
/// column sums it needs are exp(log b_j + L'_j - L_j) with L, L' the column LSEs before and
/// after the f update. L' is also what the next g update needs, so checking the error costs
/// nothing but the few exps over m.
template <typename T> Solve<T> sinkhorn(const Geometry<T> &geom, double epsilon,
                                        const SinkhornOptions &options) {
  const int64_t n = geom.xy.rows.count, m = geom.xy.cols.count;
  const double logA = -std::log(double(n)), logB = -std::log(double(m));
  const T invEps = T(1 / epsilon);
  Solve<T> s;
  s.f.assign(size_t(n), T(0));
  s.g.assign(size_t(m), T(0));
  std::vector<T> colLse(static_cast<size_t>(m)), rowLse(static_cast<size_t>(n)),
      nextColLse(static_cast<size_t>(m));
  lse(geom.yx, s.f, invEps, colLse);
  double mass = 1;
  for (int64_t it = 1; it <= options.maxIterations; ++it) {
    for (int64_t j = 0; j < m; ++j)
      s.g[size_t(j)] = T(epsilon * (logB - double(colLse[size_t(j)])));
    lse(geom.xy, s.g, invEps, rowLse);
    for (int64_t i = 0; i < n; ++i)
      s.f[size_t(i)] = T(epsilon * (logA - double(rowLse[size_t(i)])));
    lse(geom.yx, s.f, invEps, nextColLse);
    s.stats.iterations = it;
    if (it % options.innerIterations == 0 || it == options.maxIterations) {
      double err = 0;
      mass = 0;
      for (int64_t j = 0; j < m; ++j) {
        double col = std::exp(logB + double(nextColLse[size_t(j)]) - double(colLse[size_t(j)]));
        err += std::fabs(col - std::exp(logB));
        mass += col;
      }
      s.stats.error = err;
      if (!std::isfinite(err))
        break; // diverged (OTT stops too); the potentials are what they are
      if (err < options.threshold) {
        s.stats.converged = true;
        break;
      }
    }
    std::swap(colLse, nextColLse);
  }
  // The loop always ends at an error check, so `mass` is that of the final plan, for OTT's
  // ent_reg_cost = <a, f> + <b, g> + eps (1 - sum P).
  double fa = 0, gb = 0;
  for (int64_t i = 0; i < n; ++i)
    fa += double(s.f[size_t(i)]);
  for (int64_t j = 0; j < m; ++j)
    gb += double(s.g[size_t(j)]);
  s.entRegCost = fa / double(n) + gb / double(m) + epsilon * (1 - mass);
  // reg_ot_cost adds back eps (H(a) + H(b)), the entropies of the uniform weights.
  s.regOtCost = s.entRegCost + epsilon * (std::log(double(n)) + std::log(double(m)));
  s.stats.epsilon = epsilon;
  s.stats.tiled = geom.tiled;
  return s;
}

/// The symmetric problem OT(x, x) as OTT solves it for the Sinkhorn divergence (parallel
/// dual updates with momentum 0.5): f = g throughout, so one potential and one LSE pass per
/// iteration, f <- (f + T(f)) / 2 with T(f)_i = eps log a_i - eps LSE_j((f_j - C_ij) / eps).
/// The alternating iteration converges to the same f, but far more slowly on these problems
/// (thousands of iterations where this needs tens). The marginal error sums both marginals,
/// as OTT does for parallel updates: twice the rows' error, P being symmetric.
template <typename T> Solve<T> sinkhornSymmetric(const Geometry<T> &geom, double epsilon,
                                                 const SinkhornOptions &options) {
  const int64_t n = geom.xy.rows.count;
  const double logA = -std::log(double(n));
  const T invEps = T(1 / epsilon);
  Solve<T> s;
  s.f.assign(size_t(n), T(0));
  std::vector<T> rowLse(static_cast<size_t>(n));
  lse(geom.xy, s.f, invEps, rowLse);
  double mass = 1;
  for (int64_t it = 1; it <= options.maxIterations; ++it) {
    for (int64_t i = 0; i < n; ++i)
      s.f[size_t(i)] = T(0.5 * double(s.f[size_t(i)]) +
                         0.5 * epsilon * (logA - double(rowLse[size_t(i)])));
    lse(geom.xy, s.f, invEps, rowLse);
    s.stats.iterations = it;
    if (it % options.innerIterations == 0 || it == options.maxIterations) {
      double err = 0;
      mass = 0;
      for (int64_t i = 0; i < n; ++i) {
        double row = std::exp(double(s.f[size_t(i)]) / epsilon + double(rowLse[size_t(i)]));
        err += std::fabs(row - std::exp(logA));
        mass += row;
      }
      s.stats.error = 2 * err;
      if (!std::isfinite(err))
        break;
      if (s.stats.error < options.threshold) {
        s.stats.converged = true;
        break;
      }
    }
  }
  s.g = s.f;
  double fa = 0;
  for (int64_t i = 0; i < n; ++i)
    fa += double(s.f[size_t(i)]);
  s.entRegCost = 2 * fa / double(n) + epsilon * (1 - mass);
  s.regOtCost = s.entRegCost + 2 * epsilon * std::log(double(n));
  s.stats.epsilon = epsilon;
  s.stats.tiled = geom.tiled;
  return s;
}

/// Adds scale * sum_j P_ij d c(p_i, q_j) / d p_i to grad (rows of orientation o, [rows, d]),
/// where P_ij = exp((fRows_i + hCols_j - C_ij) / eps). For SqEuclidean the derivative is
/// 2 (p_i - q_j), for Euclidean (p_i - q_j) / ||p_i - q_j||; planRows returns the plan's row
/// sums and plan-weighted column points, so this is 2 (w_i p_i - sum_j P_ij q_j) or the same
/// with the weights over the distances.
template <typename T>
void addTransportGradient(const Orientation<T> &o, const std::vector<T> &fRows,
                          const std::vector<T> &hCols, double epsilon, double scale, T *grad) {
  const int64_t rows = o.rows.count, d = o.dim;
  const double factor = o.cost == TransportCost::SqEuclidean ? 2 * scale : scale;
  parallelRows(rows, kRowGrain, [&](int64_t r0, int64_t r1) {
    std::vector<double> weight(size_t(r1 - r0)), moment(size_t((r1 - r0) * d));
    KILN_TRANSPORT_DISPATCH(planRows, o, fRows.data(), hCols.data(), T(1 / epsilon), r0, r1,
                            weight.data(), moment.data());
    for (int64_t r = r0; r < r1; ++r)
      for (int64_t k = 0; k < d; ++k) {
        double p = double(o.rows.points[r * d + k]);
        grad[r * d + k] += T(factor * (weight[size_t(r - r0)] * p -
                                       moment[size_t((r - r0) * d + k)]));
      }
  });
}

template <typename T> std::vector<double> widen(const std::vector<T> &v) {
  return std::vector<double>(v.begin(), v.end());
}

template <typename T> double resolveEpsilon(const Geometry<T> &geom, const SinkhornOptions &o) {
  if (o.epsilonMode == EpsilonMode::Absolute)
    return o.epsilon;
  return o.epsilon * costStatistic(geom, o.epsilonMode);
}

Status degenerateEpsilon(double epsilon) {
  return invalid("the cost statistic that scales epsilon is 0 (every pair of points is at the "
                 "same distance, e.g. one point each), so epsilon would be " +
                 std::to_string(epsilon) + ": give an absolute epsilon");
}

template <typename T>
StatusOr<SinkhornResult> solveTyped(const TensorView &x, const TensorView &y,
                                    const SinkhornOptions &options) {
  const int64_t d = x.shape[1];
  OwnedCloud<T> cx(static_cast<const T *>(x.data), x.shape[0], d);
  OwnedCloud<T> cy(static_cast<const T *>(y.data), y.shape[0], d);
  Geometry<T> geom(cx.cloud, cy.cloud, d, options);
  double epsilon = resolveEpsilon(geom, options);
  if (!(epsilon > 0) || !std::isfinite(epsilon))
    return degenerateEpsilon(epsilon);
  Solve<T> s = sinkhorn(geom, epsilon, options);
  SinkhornResult r;
  r.entRegCost = s.entRegCost;
  r.regOtCost = s.regOtCost;
  r.stats = s.stats;
  r.f = widen(s.f);
  r.g = widen(s.g);
  return r;
}

template <typename T> T pairCost(const T *p, const T *q, int64_t d, TransportCost cost) {
  T s = 0;
  for (int64_t k = 0; k < d; ++k)
    s += (p[k] - q[k]) * (p[k] - q[k]);
  return cost == TransportCost::Euclidean ? std::sqrt(s) : s;
}

template <typename T>
StatusOr<RegularizerResult> mongeGapTyped(const TensorView &x, const TensorView &y,
                                          const SinkhornOptions &options, const TensorView *gx,
                                          const TensorView *gy) {
  const int64_t n = x.shape[0], d = x.shape[1];
  const T *px = static_cast<const T *>(x.data), *py = static_cast<const T *>(y.data);
  OwnedCloud<T> cx(px, n, d), cy(py, n, d);
  Geometry<T> geom(cx.cloud, cy.cloud, d, options);
  double epsilon = resolveEpsilon(geom, options);
  if (!(epsilon > 0) || !std::isfinite(epsilon))
    return degenerateEpsilon(epsilon);
  Solve<T> s = sinkhorn(geom, epsilon, options);
  double displacement = 0;
  for (int64_t i = 0; i < n; ++i)
    displacement += double(pairCost(px + i * d, py + i * d, d, options.cost));
  displacement /= double(n);
  RegularizerResult r;
  r.value = displacement - s.entRegCost;
  r.solves.push_back(s.stats);
  // dM/dp = (1/n) d c(x_i, y_i) - sum_j P_ij d c(., .): the displacement's pairwise term,
  // then the envelope theorem's plan-weighted term for each side.
  for (auto [grad, self, other, orient, fRows, hCols] :
       {std::tuple{gx, px, py, &geom.xy, &s.f, &s.g}, std::tuple{gy, py, px, &geom.yx, &s.g, &s.f}}) {
    if (!grad)
      continue;
    T *out = static_cast<T *>(grad->data);
    for (int64_t i = 0; i < n; ++i) {
      T dist = options.cost == TransportCost::Euclidean ? pairCost(self + i * d, other + i * d, d, options.cost) : T(1);
      for (int64_t k = 0; k < d; ++k) {
        T diff = self[i * d + k] - other[i * d + k];
        T dc = options.cost == TransportCost::SqEuclidean ? 2 * diff : (dist > 0 ? diff / dist : T(0));
        out[i * d + k] = T(dc / T(n));
      }
    }
    addTransportGradient(*orient, *fRows, *hCols, epsilon, -1.0, out);
  }
  return r;
}

template <typename T>
StatusOr<RegularizerResult> divergenceTyped(const TensorView &x, const TensorView &y,
                                            const SinkhornOptions &options, const TensorView *gx,
                                            const TensorView *gy) {
  const int64_t n = x.shape[0], m = y.shape[0], d = x.shape[1];
  const T *px = static_cast<const T *>(x.data), *py = static_cast<const T *>(y.data);
  OwnedCloud<T> cx(px, n, d), cy(py, m, d);
  RegularizerResult r;
  double epsilon;
  {
    Geometry<T> geom(cx.cloud, cy.cloud, d, options);
    epsilon = resolveEpsilon(geom, options);
    if (!(epsilon > 0) || !std::isfinite(epsilon))
      return degenerateEpsilon(epsilon);
    Solve<T> s = sinkhorn(geom, epsilon, options);
    r.value = s.regOtCost;
    r.solves.push_back(s.stats);
    if (gx) {
      std::fill_n(static_cast<T *>(gx->data), n * d, T(0));
      addTransportGradient(geom.xy, s.f, s.g, epsilon, 1.0, static_cast<T *>(gx->data));
    }
    if (gy) {
      std::fill_n(static_cast<T *>(gy->data), m * d, T(0));
      addTransportGradient(geom.yx, s.g, s.f, epsilon, 1.0, static_cast<T *>(gy->data));
    }
  }
  // The symmetric terms: both arguments are the same cloud, so its gradient collects the
  // derivative in each argument, at weight -1/2 each.
  for (auto [cloud, grad] : {std::pair{&cx, gx}, std::pair{&cy, gy}}) {
    Geometry<T> geom(cloud->cloud, cloud->cloud, d, options);
    Solve<T> s = sinkhornSymmetric(geom, epsilon, options);
    r.value -= 0.5 * s.regOtCost;
    r.solves.push_back(s.stats);
    if (grad) // the rows' and the columns' halves are equal: P is symmetric
      addTransportGradient(geom.xy, s.f, s.g, epsilon, -1.0, static_cast<T *>(grad->data));
  }
  return r;
}

/// Runs `solve`, turning an allocation failure (large clouds: the stored cost matrix, the
/// tiles' copies of the points) into kResourceExhausted instead of terminating the host.
template <typename Fn> auto guarded(Fn solve) -> decltype(solve()) {
  try {
    return solve();
  } catch (const std::bad_alloc &) {
    return Status::error(StatusCode::kResourceExhausted,
                         "out of memory for the optimal transport problem (lower "
                         "materializeLimit to recompute the costs in tiles)");
  }
}

} // namespace

bool RegularizerResult::converged() const {
  return std::all_of(solves.begin(), solves.end(),
                     [](const SinkhornStats &s) { return s.converged; });
}

StatusOr<SinkhornResult> solveSinkhorn(const TensorView &x, const TensorView &y,
                                       const SinkhornOptions &options) {
  KILN_RETURN_IF_ERROR(checkPair(x, y, options));
  return guarded([&] {
    return x.dtype == DType::F32 ? solveTyped<float>(x, y, options)
                                 : solveTyped<double>(x, y, options);
  });
}

StatusOr<RegularizerResult> mongeGap(const TensorView &x, const TensorView &y,
                                     const SinkhornOptions &options, const TensorView *gradX,
                                     const TensorView *gradY) {
  KILN_RETURN_IF_ERROR(checkPair(x, y, options));
  if (x.shape != y.shape)
    return invalid("the Monge gap pairs x_i with its image y_i, so x and y must have one shape, "
                   "not " + extentsToString(x.shape) + " and " + extentsToString(y.shape));
  KILN_RETURN_IF_ERROR(checkGradient(gradX, x, "gradX"));
  KILN_RETURN_IF_ERROR(checkGradient(gradY, y, "gradY"));
  return guarded([&] {
    return x.dtype == DType::F32 ? mongeGapTyped<float>(x, y, options, gradX, gradY)
                                 : mongeGapTyped<double>(x, y, options, gradX, gradY);
  });
}

StatusOr<RegularizerResult> sinkhornDivergence(const TensorView &x, const TensorView &y,
                                               const SinkhornOptions &options,
                                               const TensorView *gradX, const TensorView *gradY) {
  KILN_RETURN_IF_ERROR(checkPair(x, y, options));
  KILN_RETURN_IF_ERROR(checkGradient(gradX, x, "gradX"));
  KILN_RETURN_IF_ERROR(checkGradient(gradY, y, "gradY"));
  return guarded([&] {
    return x.dtype == DType::F32 ? divergenceTyped<float>(x, y, options, gradX, gradY)
                                 : divergenceTyped<double>(x, y, options, gradX, gradY);
  });
}

} // namespace kiln::rt

//===-- The kernels compiled programs call (Abi.h) -------------------------------------------===//

namespace {

/// kiln_monge_gap_* and kiln_sinkhorn_divergence_*: the C++ API on the kernel's buffers.
/// The compiler has checked every shape against the configuration, so the only errors left
/// are in the data (points that are not finite, a cost statistic of 0), which a kernel cannot
/// report but by its outputs: NaN everywhere, which the driver's finite-loss check catches.
template <typename T, bool Divergence>
void transportKernel(const int64_t *params, void *const *buffers) {
  kiln_transport_config c;
  std::memcpy(&c, params, sizeof(c));
  using namespace kiln::rt;
  const DType dtype = std::is_same_v<T, float> ? DType::F32 : DType::F64;
  TensorView x{buffers[0], dtype, {c.n, c.d}}, y{buffers[1], dtype, {c.m, c.d}};
  T *value = static_cast<T *>(buffers[2]), *stats = static_cast<T *>(buffers[3]);
  TensorView dx{c.gradients ? buffers[4] : nullptr, dtype, {c.n, c.d}};
  TensorView dy{c.gradients ? buffers[5] : nullptr, dtype, {c.m, c.d}};
  SinkhornOptions o;
  o.cost = static_cast<TransportCost>(c.cost);
  o.epsilonMode = static_cast<EpsilonMode>(c.epsilon_mode);
  o.epsilon = c.epsilon;
  o.threshold = c.threshold;
  o.maxIterations = c.max_iterations;
  o.innerIterations = c.inner_iterations;
  if (c.materialize_limit >= 0)
    o.materializeLimit = c.materialize_limit;
  StatusOr<RegularizerResult> r =
      Divergence ? sinkhornDivergence(x, y, o, c.gradients ? &dx : nullptr, c.gradients ? &dy : nullptr)
                 : mongeGap(x, y, o, c.gradients ? &dx : nullptr, c.gradients ? &dy : nullptr);
  if (!r.ok()) {
    const T nan = std::numeric_limits<T>::quiet_NaN();
    *value = nan;
    std::fill_n(stats, 4, nan);
    if (c.gradients) {
      std::fill_n(static_cast<T *>(dx.data), c.n * c.d, nan);
      std::fill_n(static_cast<T *>(dy.data), c.m * c.d, nan);
    }
    return;
  }
  *value = T(r->value);
  // The record of the worst solve (the three of a divergence share one epsilon).
  double error = 0;
  int64_t iterations = 0;
  for (const SinkhornStats &s : r->solves) {
    error = std::max(error, s.error);
    iterations = std::max(iterations, s.iterations);
  }
  stats[0] = T(r->solves.front().epsilon);
  stats[1] = T(iterations);
  stats[2] = T(error);
  stats[3] = r->converged() ? T(1) : T(0);
}

} // namespace

#define KILN_EXPORT extern "C" __attribute__((visibility("default")))
KILN_EXPORT void kiln_monge_gap_f32(const int64_t *params, void *const *buffers) {
  transportKernel<float, false>(params, buffers);
}
KILN_EXPORT void kiln_monge_gap_f64(const int64_t *params, void *const *buffers) {
  transportKernel<double, false>(params, buffers);
}
KILN_EXPORT void kiln_sinkhorn_divergence_f32(const int64_t *params, void *const *buffers) {
  transportKernel<float, true>(params, buffers);
}
KILN_EXPORT void kiln_sinkhorn_divergence_f64(const int64_t *params, void *const *buffers) {
  transportKernel<double, true>(params, buffers);
}
