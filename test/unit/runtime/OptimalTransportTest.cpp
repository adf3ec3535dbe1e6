// SPDX-License-Identifier: Apache-2.0
// The entropic OT solver and its regularizers (kiln/runtime/regularizers/OptimalTransport.h)
// against closed-form and independent references: the worked examples of
// docs/algorithms.md §6 (a numpy log-domain Sinkhorn run to a marginal error
// below 1e-14), central finite differences in f64 for every gradient, and the stored and
// tiled cost paths against each other. The goldens from OTT and POT are test/e2e/golden.
#include "kiln/runtime/regularizers/OptimalTransport.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <vector>

namespace kiln::rt {
namespace {

using test::expectError;

TensorView view(std::vector<double> &v, int64_t rows, int64_t cols) {
  return TensorView{v.data(), DType::F64, {rows, cols}};
}
TensorView view(std::vector<float> &v, int64_t rows, int64_t cols) {
  return TensorView{v.data(), DType::F32, {rows, cols}};
}

/// Converged far below any tolerance the tests use, at an absolute epsilon.
SinkhornOptions tight(double epsilon, TransportCost cost = TransportCost::SqEuclidean) {
  SinkhornOptions o;
  o.cost = cost;
  o.epsilon = epsilon;
  o.epsilonMode = EpsilonMode::Absolute;
  // Small epsilons converge slowly (the translation at 0.1 needs 180000 iterations).
  o.threshold = 1e-11;
  o.maxIterations = 400000;
  return o;
}

std::vector<double> source() { return {0, 0, 1, 0, 0, 1}; }

double gap(std::vector<double> x, std::vector<double> y, double epsilon) {
  auto r = mongeGap(view(x, 3, 2), view(y, 3, 2), tight(epsilon));
  EXPECT_TRUE(r.ok()) << r.status().toString();
  EXPECT_TRUE(r->converged());
  return r->value;
}

TEST(OptimalTransportTest, MongeGapWorkedExamples) {
  std::vector<double> x = source();
  std::vector<double> shifted = {1, 0, 2, 0, 1, 1};
  std::vector<double> cyclic = {1, 0, 0, 1, 0, 0}; // x0 -> x1 -> x2 -> x0
  EXPECT_NEAR(gap(x, shifted, 1.0), 1.552986325, 1e-9);
  EXPECT_NEAR(gap(x, x, 1.0), 1.552986325, 1e-9);
  EXPECT_NEAR(gap(x, cyclic, 1.0), 2.886319658, 1e-9);
  EXPECT_NEAR(gap(x, shifted, 0.1), 0.109867282, 1e-9);
  EXPECT_NEAR(gap(x, cyclic, 0.1), 1.443200615, 1e-9);

  std::vector<double> y = shifted;
  auto w = solveSinkhorn(view(x, 3, 2), view(y, 3, 2), tight(1.0));
  ASSERT_TRUE(w.ok());
  EXPECT_NEAR(w->entRegCost, -0.552986325, 1e-9);
  // reg_ot_cost adds eps (H(a) + H(b)) = 2 log 3 for uniform weights.
  EXPECT_NEAR(w->regOtCost, -0.552986325 + 2 * std::log(3.0), 1e-9);
}

TEST(OptimalTransportTest, MongeGapGradientWorkedExample) {
  std::vector<double> x = source();
  std::vector<double> y = {1, 0, 2.1, -0.2, 1.3, 1.1};
  std::vector<double> gy(6), gx(6);
  TensorView gyView = view(gy, 3, 2), gxView = view(gx, 3, 2);
  auto r = mongeGap(view(x, 3, 2), view(y, 3, 2), tight(1.0), &gxView, &gyView);
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_NEAR(r->value, 1.521871738, 1e-9);
  const double expected[6] = {0.125713, 0.157464, -0.200804, 0.043340, 0.075091, -0.200804};
  for (int i = 0; i < 6; ++i)
    EXPECT_NEAR(gy[size_t(i)], expected[i], 1e-6) << i;
}

/// Central differences of `value` in every coordinate of `points`, against `analytic`.
void expectGradient(std::vector<double> &points, const std::vector<double> &analytic,
                    const std::function<double()> &value, const char *what) {
  const double h = 1e-5;
  for (size_t i = 0; i < points.size(); ++i) {
    double saved = points[i];
    points[i] = saved + h;
    double up = value();
    points[i] = saved - h;
    double down = value();
    points[i] = saved;
    double numeric = (up - down) / (2 * h);
    EXPECT_NEAR(analytic[i], numeric, 1e-6 * std::max(1.0, std::fabs(numeric)))
        << what << " coordinate " << i;
  }
}

std::vector<double> randomPoints(int64_t count, int64_t dim, unsigned seed, double scale = 1) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> normal(0, scale);
  std::vector<double> v(size_t(count * dim));
  for (double &e : v)
    e = normal(gen);
  return v;
}

TEST(OptimalTransportTest, GradientsMatchFiniteDifferences) {
  const int64_t n = 7, m = 5, d = 3;
  for (TransportCost cost : {TransportCost::SqEuclidean, TransportCost::Euclidean}) {
    SCOPED_TRACE(cost == TransportCost::SqEuclidean ? "sqeuclidean" : "euclidean");
    SinkhornOptions o = tight(0.5, cost);
    std::vector<double> x = randomPoints(n, d, 1, 0.5), y = randomPoints(n, d, 2, 0.5);
    std::vector<double> gx(size_t(n * d)), gy(size_t(n * d));
    TensorView gxv = view(gx, n, d), gyv = view(gy, n, d);
    ASSERT_TRUE(mongeGap(view(x, n, d), view(y, n, d), o, &gxv, &gyv).ok());
    auto gapValue = [&] { return mongeGap(view(x, n, d), view(y, n, d), o)->value; };
    expectGradient(x, gx, gapValue, "monge gap dx");
    expectGradient(y, gy, gapValue, "monge gap dy");

    std::vector<double> z = randomPoints(m, d, 3, 0.7);
    std::vector<double> dx(size_t(n * d)), dz(size_t(m * d));
    TensorView dxv = view(dx, n, d), dzv = view(dz, m, d);
    ASSERT_TRUE(sinkhornDivergence(view(x, n, d), view(z, m, d), o, &dxv, &dzv).ok());
    auto divValue = [&] { return sinkhornDivergence(view(x, n, d), view(z, m, d), o)->value; };
    expectGradient(x, dx, divValue, "divergence dx");
    expectGradient(z, dz, divValue, "divergence dy");
  }
}

TEST(OptimalTransportTest, TranslationLeavesTheGapUnchanged) {
  std::vector<double> x = randomPoints(9, 2, 4);
  std::vector<double> moved = x;
  for (size_t i = 0; i < moved.size(); i += 2)
    moved[i] += 3.5, moved[i + 1] -= 1.25;
  auto a = mongeGap(view(x, 9, 2), view(x, 9, 2), tight(0.5));
  auto b = mongeGap(view(x, 9, 2), view(moved, 9, 2), tight(0.5));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NEAR(a->value, b->value, 1e-9);
}

TEST(OptimalTransportTest, DivergenceOfACloudWithItselfIsZero) {
  std::vector<double> x = randomPoints(11, 3, 5);
  std::vector<double> same = x;
  auto r = sinkhornDivergence(view(x, 11, 3), view(same, 11, 3), tight(0.5));
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->value, 0, 1e-10);
  EXPECT_EQ(r->solves.size(), 3u);
}

TEST(OptimalTransportTest, DefaultEpsilonIsFivePercentOfTheCostsStd) {
  const int64_t n = 6, m = 4, d = 2;
  std::vector<double> x = randomPoints(n, d, 6), y = randomPoints(m, d, 7);
  double s = 0, s2 = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j) {
      double c = 0;
      for (int64_t k = 0; k < d; ++k)
        c += (x[size_t(i * d + k)] - y[size_t(j * d + k)]) * (x[size_t(i * d + k)] - y[size_t(j * d + k)]);
      s += c, s2 += c * c;
    }
  double mean = s / (n * m), std = std::sqrt(s2 / (n * m) - mean * mean);
  auto r = solveSinkhorn(view(x, n, d), view(y, m, d));
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->stats.epsilon, 0.05 * std, 1e-12);
  SinkhornOptions byMean;
  byMean.epsilon = 0.1;
  byMean.epsilonMode = EpsilonMode::TimesMeanCost;
  auto q = solveSinkhorn(view(x, n, d), view(y, m, d), byMean);
  ASSERT_TRUE(q.ok());
  EXPECT_NEAR(q->stats.epsilon, 0.1 * mean, 1e-12);
  // OTT's defaults: threshold 1e-3 checked every 10 iterations.
  EXPECT_TRUE(r->stats.converged);
  EXPECT_LT(r->stats.error, 1e-3);
  EXPECT_EQ(r->stats.iterations % 10, 0);
}

TEST(OptimalTransportTest, TiledAndStoredCostsAgreeBitwise) {
  // Several tiles per row and a partial last one; f32, as compiled programs use it.
  const int64_t n = 300, m = 517, d = 5;
  std::vector<double> xd = randomPoints(n, d, 8), yd = randomPoints(m, d, 9, 1.5);
  std::vector<float> x(xd.begin(), xd.end()), y(yd.begin(), yd.end());
  for (TransportCost cost : {TransportCost::SqEuclidean, TransportCost::Euclidean}) {
    SinkhornOptions stored;
    stored.cost = cost;
    SinkhornOptions tiled = stored;
    tiled.materializeLimit = 0;
    std::vector<float> g1(size_t(n * d)), g2(size_t(n * d)), h1(size_t(m * d)), h2(size_t(m * d));
    TensorView g1v = view(g1, n, d), g2v = view(g2, n, d), h1v = view(h1, m, d), h2v = view(h2, m, d);
    auto a = sinkhornDivergence(view(x, n, d), view(y, m, d), stored, &g1v, &h1v);
    auto b = sinkhornDivergence(view(x, n, d), view(y, m, d), tiled, &g2v, &h2v);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_FALSE(a->solves[0].tiled);
    EXPECT_TRUE(b->solves[0].tiled);
    EXPECT_EQ(a->value, b->value);
    EXPECT_EQ(a->solves[0].iterations, b->solves[0].iterations);
    EXPECT_EQ(g1, g2);
    EXPECT_EQ(h1, h2);
  }
}

TEST(OptimalTransportTest, F32AgreesWithF64) {
  const int64_t n = 64, d = 4;
  std::vector<double> xd = randomPoints(n, d, 10), yd = randomPoints(n, d, 11);
  std::vector<float> x(xd.begin(), xd.end()), y(yd.begin(), yd.end());
  SinkhornOptions o = tight(0.5);
  o.threshold = 1e-5;
  auto a = mongeGap(view(x, n, d), view(y, n, d), o);
  auto b = mongeGap(view(xd, n, d), view(yd, n, d), o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NEAR(a->value, b->value, 1e-4 * std::fabs(b->value));
}

TEST(OptimalTransportTest, NonConvergenceIsReported) {
  std::vector<double> x = randomPoints(20, 2, 12), y = randomPoints(20, 2, 13, 3.0);
  SinkhornOptions o = tight(0.01);
  o.maxIterations = 3;
  auto r = mongeGap(view(x, 20, 2), view(y, 20, 2), o);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->converged());
  EXPECT_EQ(r->solves[0].iterations, 3);
  EXPECT_GT(r->solves[0].error, o.threshold);
  EXPECT_TRUE(std::isfinite(r->value));
}

TEST(OptimalTransportTest, BadInputIsAnError) {
  std::vector<double> x = source(), y = source();
  std::vector<double> wide(9), nan = source();
  nan[3] = std::nan("");
  std::vector<float> xf(6);
  auto eps = [](double e) {
    SinkhornOptions o;
    o.epsilon = e;
    o.epsilonMode = EpsilonMode::Absolute;
    return o;
  };
  expectError(solveSinkhorn(view(x, 3, 2), view(y, 3, 2), eps(0)).status(),
              StatusCode::kInvalidArgument, "epsilon must be finite and positive");
  expectError(solveSinkhorn(view(x, 3, 2), view(y, 3, 2), eps(-1)).status(),
              StatusCode::kInvalidArgument, "epsilon");
  expectError(solveSinkhorn(view(x, 3, 2), view(y, 3, 2), eps(std::nan(""))).status(),
              StatusCode::kInvalidArgument, "epsilon");
  expectError(solveSinkhorn(view(x, 0, 2), view(y, 3, 2)).status(),
              StatusCode::kInvalidArgument, "x is empty");
  expectError(solveSinkhorn(view(x, 3, 2), view(wide, 3, 3)).status(),
              StatusCode::kInvalidArgument, "one dimension");
  expectError(solveSinkhorn(view(x, 3, 2), view(nan, 3, 2)).status(),
              StatusCode::kInvalidArgument, "y has a non-finite coordinate at point 1, coordinate 1");
  expectError(solveSinkhorn(view(x, 3, 2), view(xf, 3, 2)).status(),
              StatusCode::kInvalidArgument, "one dtype");
  expectError(mongeGap(view(x, 3, 2), view(y, 2, 2)).status(), StatusCode::kInvalidArgument,
              "must have one shape");
  SinkhornOptions zeroIterations;
  zeroIterations.maxIterations = 0;
  expectError(solveSinkhorn(view(x, 3, 2), view(y, 3, 2), zeroIterations).status(),
              StatusCode::kInvalidArgument, "maxIterations");
  std::vector<double> one = {1, 2};
  expectError(solveSinkhorn(view(one, 1, 2), view(one, 1, 2)).status(),
              StatusCode::kInvalidArgument, "give an absolute epsilon");
  std::vector<double> small(4);
  TensorView badGrad = view(small, 2, 2);
  expectError(mongeGap(view(x, 3, 2), view(y, 3, 2), {}, nullptr, &badGrad).status(),
              StatusCode::kInvalidArgument, "gradY must be a f64 tensor of shape [3, 2]");
}

} // namespace
} // namespace kiln::rt
