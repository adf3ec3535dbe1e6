// SPDX-License-Identifier: Apache-2.0
// The empirical NTK and its spectrum (kiln/runtime/regularizers/Ntk.h) against the worked
// example of docs/algorithms.md §5.4 (f(x) = v^T relu(W x) / sqrt(2) on three inputs, its
// Jacobian in closed form), the full [N, K, N, K] form against its traced contraction, and
// bad input. test/e2e/ntk.test takes the Jacobian from a compiled VJP instead.
#include "kiln/runtime/regularizers/Ntk.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace kiln::rt {
namespace {

using test::expectError;

/// The worked example's Jacobian: rows x1 = [1, 0], x2 = [0, 1], x3 = [1, 1]; columns W
/// row-major, then v.
const double kJ[3][6] = {
    {0.7071067811865476, 0, -0.7071067811865476, 0, 0.7071067811865476, 0.3535533905932738},
    {0, 0, 0, -0.7071067811865476, 0, 0.7071067811865476},
    {0.7071067811865476, 0.7071067811865476, -0.7071067811865476, -0.7071067811865476,
     0.3535533905932738, 1.0606601717798212}};

TEST(NtkTest, WorkedExample) {
  auto kernel = empiricalNtk(3, 1, 6, [](int64_t n, int64_t, double *row) {
    std::copy(kJ[n], kJ[n] + 6, row);
    return Status();
  });
  ASSERT_TRUE(kernel.ok()) << kernel.status().toString();
  const double expected[9] = {1.625, 0.25, 1.625, 0.25, 1.0, 1.25, 1.625, 1.25, 3.25};
  for (int i = 0; i < 9; ++i)
    EXPECT_NEAR(kernel->data<double>()[i], expected[i], 1e-12) << i;
  auto spectrum = ntkSpectrum(kernel->view());
  ASSERT_TRUE(spectrum.ok()) << spectrum.status().toString();
  ASSERT_EQ(spectrum->eigenvalues.size(), 3u);
  EXPECT_NEAR(spectrum->eigenvalues[0], 0.190019, 1e-6);
  EXPECT_NEAR(spectrum->eigenvalues[1], 1.034347, 1e-6);
  EXPECT_NEAR(spectrum->eigenvalues[2], 4.650634, 1e-6);
  EXPECT_NEAR(spectrum->conditionNumber, 24.474548, 1e-5);
  EXPECT_NEAR(spectrum->trace, 5.875, 1e-12);
}

TEST(NtkTest, TracedIsTheFullKernelsMeanOverLogits) {
  const int64_t n = 4, k = 3, p = 7;
  std::mt19937 gen(3);
  std::normal_distribution<double> normal;
  std::vector<double> j(size_t(n * k * p));
  for (double &v : j)
    v = normal(gen);
  auto row = [&](int64_t s, int64_t l, double *out) {
    std::copy_n(j.begin() + (s * k + l) * p, p, out);
    return Status();
  };
  auto traced = empiricalNtk(n, k, p, row);
  NtkOptions full;
  full.traceLogits = false;
  auto all = empiricalNtk(n, k, p, row, full);
  ASSERT_TRUE(traced.ok() && all.ok());
  EXPECT_EQ(all->shape(), (std::vector<int64_t>{n, k, n, k}));
  for (int64_t a = 0; a < n; ++a)
    for (int64_t b = 0; b < n; ++b) {
      double sum = 0, direct = 0;
      for (int64_t l = 0; l < k; ++l) {
        sum += all->data<double>()[((a * k + l) * n + b) * k + l];
        for (int64_t q = 0; q < p; ++q)
          direct += j[size_t((a * k + l) * p + q)] * j[size_t((b * k + l) * p + q)];
      }
      EXPECT_NEAR(traced->data<double>()[a * n + b], sum / k, 1e-12);
      EXPECT_NEAR(sum, direct, 1e-12);
    }
  // The full kernel is a [N K, N K] Gram matrix: its spectrum is defined too.
  auto spectrum = ntkSpectrum(all->view());
  ASSERT_TRUE(spectrum.ok());
  EXPECT_EQ(spectrum->eigenvalues.size(), size_t(n * k));
}

TEST(NtkTest, RankDeficientKernelGetsTeNasSentinel) {
  // Two samples with the same Jacobian: lambda_min = 0.
  auto kernel = empiricalNtk(2, 1, 3, [](int64_t, int64_t, double *row) {
    row[0] = 1, row[1] = 2, row[2] = 3;
    return Status();
  });
  ASSERT_TRUE(kernel.ok());
  auto spectrum = ntkSpectrum(kernel->view());
  ASSERT_TRUE(spectrum.ok());
  EXPECT_EQ(spectrum->conditionNumber, 1e5);
}

TEST(NtkTest, BadInputIsAnError) {
  auto ones = [](int64_t, int64_t, double *row) {
    row[0] = 1;
    return Status();
  };
  expectError(empiricalNtk(0, 1, 1, ones).status(), StatusCode::kInvalidArgument,
              "at least one sample");
  expectError(empiricalNtk(2, 1, 1, [](int64_t s, int64_t, double *row) {
                row[0] = s == 1 ? std::nan("") : 1.0;
                return Status();
              }).status(),
              StatusCode::kInvalidArgument, "sample 1, logit 0 is not finite at parameter 0");
  expectError(empiricalNtk(1, 1, 1, [](int64_t, int64_t, double *) {
                return Status::error(StatusCode::kNotFound, "no such entry");
              }).status(),
              StatusCode::kNotFound, "no such entry");
  std::vector<double> asymmetric = {1, 2, 3, 4};
  expectError(ntkSpectrum({asymmetric.data(), DType::F64, {2, 2}}).status(),
              StatusCode::kInvalidArgument, "not symmetric at [1, 0]");
  expectError(ntkSpectrum({asymmetric.data(), DType::F64, {4}}).status(),
              StatusCode::kInvalidArgument, "[N, N] or [N, K, N, K]");
  std::vector<double> nan = {1, std::nan(""), std::nan(""), 1};
  expectError(ntkSpectrum({nan.data(), DType::F64, {2, 2}}).status(),
              StatusCode::kInvalidArgument, "non-finite entry at [1, 0]");
}

} // namespace
} // namespace kiln::rt
