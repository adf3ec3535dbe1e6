// SPDX-License-Identifier: Apache-2.0
// Tests for the compressors, their wire formats and the error-control rules: docs/algorithms.md
// §3.4's worked example (EControl and EF14), the virtual-iterate identity on random inputs,
// every compressor against a direct reference, and the least-squares problem on which
// compression without feedback fails and EF14, EF21 and EControl converge.
#include "kiln/runtime/distributed/Compression.h"

#include "TestUtil.h"
#include "ThreadGroup.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

namespace kiln::rt {
namespace {
using test::ThreadGroup;
using Vec = std::vector<double>;

CompressionSpec spec(ErrorControl control, CompressorKind compressor, int64_t k = 1,
                     double eta = 1.0, uint64_t key = 0) {
  CompressionSpec s;
  s.control = control;
  s.compressor = compressor;
  s.k = k;
  s.eta = eta;
  s.key = key;
  return s;
}

void expectNear(const Vec &actual, const Vec &expected, const char *what, int step) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t j = 0; j < actual.size(); ++j)
    EXPECT_NEAR(actual[j], expected[j], 1e-12) << what << "[" << j << "] at t=" << step;
}

// The three steps' gradients of both workers (held fixed to test the state machine).
const Vec kGradients[3][2] = {
    {{1, -2, 0.5, 0}, {0, 1, -3, 0.5}},
    {{0.8, -1.5, 0.4, 0.1}, {0.1, 0.9, -2, 0.4}},
    {{0.6, -1, 0.3, 0.2}, {0.2, 0.7, -1.5, 0.3}},
};

TEST(ErrorControl, WorkedExampleEControl) {
  // docs/algorithms.md §3.4: n = 2, d = 4, top-1, gamma = 0.1, eta = 0.5, x_0 = 0.
  CompressionSpec s = spec(ErrorControl::EControl, CompressorKind::TopK, 1, 0.5);
  const Vec xs[3] = {{-0.05, 0.05, 0.125, -0.025}, {-0.1, 0.075, 0.2, -0.05},
                     {-0.125, 0.1, 0.25, -0.075}};
  const Vec es[3][2] = {{{0, 0, 0, 0}, {0, 0, 0, 0}},
                        {{-0.2, 0, -0.1, 0.1}, {0.1, -0.1, 0, -0.1}},
                        {{-0.1, 0.5, -0.3, 0.3}, {0.3, -0.4, 0, -0.3}}};
  const Vec hs[3][2] = {{{1, -2, 0.5, 0}, {0, 1, -3, 0.5}},
                        {{1, -1.5, 0.5, 0}, {0, 1, -2, 0.5}},
                        {{0.5, -1.5, 0.5, 0}, {0, 1, -1.5, 0.5}}};
  ThreadGroup group(2);
  group.run([&](int rank, Communicator &comm) {
    Vec x(4, 0), e(4, 0), h(4, 0), hbar(4, 0), direction(4);
    for (int t = 0; t < 3; ++t) {
      ErrorState<double> state{e.data(), h.data(), hbar.data()};
      ASSERT_TRUE(compressedMean(comm, s, kGradients[t][rank].data(), 4, uint64_t(t + 1), state,
                                 direction.data())
                      .ok());
      for (int j = 0; j < 4; ++j)
        x[size_t(j)] -= 0.1 * direction[size_t(j)];
      expectNear(x, xs[t], "x", t);
      expectNear(e, es[t][rank], "e", t);
      expectNear(h, hs[t][rank], "h", t);
    }
  });
}

TEST(ErrorControl, WorkedExampleEf14) {
  CompressionSpec s = spec(ErrorControl::Ef14, CompressorKind::TopK, 1);
  const Vec xs[2] = {{0, 0.1, 0.15, 0}, {-0.09, 0.1, 0.25, 0}};
  const Vec es[2][2] = {{{1, 0, 0.5, 0}, {0, 1, 0, 0.5}}, {{0, -1.5, 0.9, 0.1}, {0.1, 1.9, 0, 0.9}}};
  ThreadGroup group(2);
  group.run([&](int rank, Communicator &comm) {
    Vec x(4, 0), e(4, 0), direction(4);
    for (int t = 0; t < 2; ++t) {
      ASSERT_TRUE(compressedMean(comm, s, kGradients[t][rank].data(), 4, uint64_t(t + 1),
                                 ErrorState<double>{e.data()}, direction.data())
                      .ok());
      for (int j = 0; j < 4; ++j)
        x[size_t(j)] -= 0.1 * direction[size_t(j)];
      expectNear(x, xs[t], "x", t);
      expectNear(e, es[t][rank], "e", t);
    }
  });
}

// x~ = x - gamma mean(e) follows plain SGD on the mean gradient, whatever the compressor:
// the defining property of error feedback, here on random gradients over 3 ranks.
void checkVirtualIterate(ErrorControl control, CompressorKind compressor) {
  const int ranks = 3, d = 37, steps = 25;
  const double gamma = 0.05;
  CompressionSpec s = spec(control, compressor, 5, 0.3, 11);
  std::vector<Vec> x(ranks, Vec(d, 0)), e(ranks, Vec(d, 0));
  std::vector<std::vector<Vec>> g(steps, std::vector<Vec>(ranks, Vec(d)));
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  for (auto &step : g)
    for (Vec &v : step)
      for (double &z : v)
        z = normal(rng);
  ThreadGroup group(ranks);
  group.run([&](int rank, Communicator &comm) {
    Vec h(d, 0), hbar(d, 0), direction(d);
    for (int t = 0; t < steps; ++t) {
      ErrorState<double> state{e[size_t(rank)].data(), h.data(), hbar.data()};
      ASSERT_TRUE(compressedMean(comm, s, g[size_t(t)][size_t(rank)].data(), d, uint64_t(t + 1),
                                 state, direction.data())
                      .ok());
      for (int j = 0; j < d; ++j)
        x[size_t(rank)][size_t(j)] -= gamma * direction[size_t(j)];
    }
  });
  Vec sgd(d, 0);
  for (int t = 0; t < steps; ++t)
    for (int j = 0; j < d; ++j) {
      double mean = 0;
      for (int r = 0; r < ranks; ++r)
        mean += g[size_t(t)][size_t(r)][size_t(j)];
      sgd[size_t(j)] -= gamma * mean / ranks;
    }
  for (int j = 0; j < d; ++j) {
    double ebar = 0;
    for (int r = 0; r < ranks; ++r)
      ebar += e[size_t(r)][size_t(j)];
    EXPECT_NEAR(x[0][size_t(j)] - gamma * ebar / ranks, sgd[size_t(j)], 1e-12) << "j=" << j;
    for (int r = 1; r < ranks; ++r)
      EXPECT_EQ(x[size_t(r)][size_t(j)], x[0][size_t(j)]) << "ranks hold different models";
  }
}

TEST(ErrorControl, VirtualIterateFollowsSgd) {
  for (CompressorKind c : {CompressorKind::TopK, CompressorKind::TopKThreshold,
                           CompressorKind::RandK, CompressorKind::ScaledSign,
                           CompressorKind::Bf16, CompressorKind::Fp16}) {
    SCOPED_TRACE(int(c));
    checkVirtualIterate(ErrorControl::EControl, c);
    checkVirtualIterate(ErrorControl::Ef14, c);
  }
}

TEST(Compressors, TopKKeepsTheLargestWithLowestIndexTies) {
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 50; ++trial) {
    int64_t d = 1 + int64_t(rng() % 300), k = 1 + int64_t(rng() % uint64_t(d));
    // Few distinct magnitudes of both signs: many ties.
    Vec v(static_cast<size_t>(d));
    for (double &z : v)
      z = double(int64_t(rng() % 7) - 3) * 0.25;
    CompressionSpec s = spec(ErrorControl::None, CompressorKind::TopK, k);
    std::vector<uint8_t> m(size_t(compressedBytes(s, d, DType::F64)));
    ASSERT_EQ(int64_t(m.size()), k * 12);
    compress(s, v.data(), d, 1, m.data());
    std::vector<int64_t> order(static_cast<size_t>(d));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return std::fabs(v[size_t(a)]) > std::fabs(v[size_t(b)]);
    });
    Vec expected(static_cast<size_t>(d), 0), decoded(static_cast<size_t>(d), 0);
    for (int64_t i = 0; i < k; ++i)
      expected[size_t(order[size_t(i)])] = v[size_t(order[size_t(i)])];
    decompressAdd(s, m.data(), d, 1, 1.0, decoded.data());
    EXPECT_EQ(decoded, expected) << "d=" << d << " k=" << k;
  }
}

TEST(Compressors, TopKHandlesExtremesAndNaN) {
  std::vector<float> v = {0.0f, -INFINITY, 1e-45f, NAN, -0.0f, 3.0f};
  CompressionSpec s = spec(ErrorControl::None, CompressorKind::TopK, 3);
  std::vector<uint8_t> m(size_t(compressedBytes(s, 6, DType::F32)));
  compress(s, v.data(), 6, 1, m.data());
  uint32_t indices[3];
  std::memcpy(indices, m.data(), 12);
  // NaN orders above infinity, so a NaN gradient is sent, not hidden.
  EXPECT_EQ(std::vector<uint32_t>(indices, indices + 3), (std::vector<uint32_t>{1, 3, 5}));
}

TEST(Compressors, ThresholdTopKSendsTheClearlyLargest) {
  // 50 large coordinates and k = 100: the estimated threshold falls among the small ones, so
  // every large one is sent, with at most k in all.
  const int64_t d = 10000, k = 100, large = 50;
  Vec v(d);
  std::mt19937_64 rng(9);
  std::uniform_real_distribution<double> small(-1, 1);
  for (double &z : v)
    z = small(rng);
  for (int64_t i = 0; i < large; ++i)
    v[size_t(i * 97)] = (i % 2 ? -1 : 1) * (10 + double(i));
  CompressionSpec s = spec(ErrorControl::None, CompressorKind::TopKThreshold, k);
  EXPECT_EQ(compressedBytes(s, d, DType::F32), k * 8);
  std::vector<uint8_t> m(size_t(compressedBytes(s, d, DType::F64)));
  compress(s, v.data(), d, 1, m.data());
  Vec decoded(d, 0);
  decompressAdd(s, m.data(), d, 1, 1.0, decoded.data());
  int sent = 0;
  for (int64_t j = 0; j < d; ++j)
    if (decoded[size_t(j)] != 0) {
      ++sent;
      EXPECT_EQ(decoded[size_t(j)], v[size_t(j)]);
    }
  EXPECT_LE(sent, k);
  EXPECT_GT(sent, large);
  for (int64_t i = 0; i < large; ++i)
    EXPECT_EQ(decoded[size_t(i * 97)], v[size_t(i * 97)]) << i;
}

TEST(Compressors, RandKIsSharedAndFreshEachStep) {
  const int64_t d = 1000, k = 10;
  Vec v(d);
  std::iota(v.begin(), v.end(), 1.0);
  CompressionSpec s = spec(ErrorControl::None, CompressorKind::RandK, k, 1.0, 42);
  EXPECT_EQ(compressedBytes(s, d, DType::F32), k * 4); // values only
  auto kept = [&](uint64_t step) {
    std::vector<uint8_t> m(size_t(compressedBytes(s, d, DType::F64)));
    compress(s, v.data(), d, step, m.data());
    Vec out(d, 0);
    decompressAdd(s, m.data(), d, step, 1.0, out.data());
    std::vector<int64_t> idx;
    for (int64_t j = 0; j < d; ++j)
      if (out[size_t(j)] != 0) {
        EXPECT_EQ(out[size_t(j)], v[size_t(j)]);
        idx.push_back(j);
      }
    return idx;
  };
  EXPECT_EQ(kept(7).size(), size_t(k));
  EXPECT_EQ(kept(7), kept(7));
  EXPECT_NE(kept(7), kept(8));
  // Over many steps every coordinate is drawn about k / d of the time.
  std::vector<int> counts(d);
  for (uint64_t step = 1; step <= 2000; ++step)
    for (int64_t j : kept(step))
      ++counts[size_t(j)];
  for (int c : counts)
    EXPECT_LT(std::abs(c - 20), 20) << "rand-k draws are far from uniform";
}

TEST(Compressors, ScaledSignPacksBits) {
  std::vector<float> v = {0.5f, -1.5f, 0.0f, 2.0f, -0.25f, 1.0f, -3.0f, 0.75f, -0.5f};
  CompressionSpec s = spec(ErrorControl::None, CompressorKind::ScaledSign);
  std::vector<uint8_t> m(size_t(compressedBytes(s, 9, DType::F32)));
  ASSERT_EQ(m.size(), 4u + 2u);
  compress(s, v.data(), 9, 1, m.data());
  EXPECT_EQ(m[4], 0b01010010);
  EXPECT_EQ(m[5], 0b1);
  std::vector<float> out(9, 0);
  decompressAdd(s, m.data(), 9, 1, 1.0f, out.data());
  const float scale = 9.5f / 9.0f; // |v|_1 / d; zero travels as +scale
  for (size_t j = 0; j < v.size(); ++j)
    EXPECT_FLOAT_EQ(out[j], std::signbit(v[j]) ? -scale : scale) << j;
}

TEST(Compressors, HalfPrecisionRoundsToNearestEven) {
  std::vector<float> v = {1.0f, 1.00390625f, 1.005859375f, 65504.0f, 1e-8f, -2.5f, 1e30f};
  // bfloat16 keeps 8 significant bits: x rounded to a multiple of 2^(e - 8) for x = m 2^e,
  // m in [0.5, 1), ties to even (the default rounding of nearbyint).
  std::vector<float> bf16;
  for (float x : v) {
    int e;
    std::frexp(x, &e);
    double ulp = std::ldexp(1.0, e - 8);
    bf16.push_back(float(std::nearbyint(double(x) / ulp) * ulp));
  }
  EXPECT_EQ(bf16[1], 1.0f);        // 1 + 2^-8 is a tie: to the even 1
  EXPECT_EQ(bf16[2], 1.0078125f);  // 1 + 1.5 2^-8 rounds up to 1 + 2^-7
  std::vector<float> fp16 = {1.0f, 1.00390625f, 1.005859375f, 65504.0f, 0.0f, -2.5f, INFINITY};
  for (auto [kind, expected] : {std::pair{CompressorKind::Bf16, bf16}, {CompressorKind::Fp16, fp16}}) {
    CompressionSpec s = spec(ErrorControl::None, kind);
    std::vector<uint8_t> m(size_t(compressedBytes(s, 7, DType::F32)));
    ASSERT_EQ(m.size(), 14u);
    compress(s, v.data(), 7, 1, m.data());
    std::vector<float> out(7, 0);
    decompressAdd(s, m.data(), 7, 1, 1.0f, out.data());
    EXPECT_EQ(out, expected) << int(kind);
  }
}

TEST(Compression, RefusesBadSpecs) {
  using test::expectError;
  expectError(validateCompression(spec(ErrorControl::None, CompressorKind::TopK, 0), 10),
              StatusCode::kInvalidArgument, "keeps 1 to 10 coordinates, not 0");
  expectError(validateCompression(spec(ErrorControl::None, CompressorKind::RandK, 11), 10),
              StatusCode::kInvalidArgument, "not 11");
  expectError(validateCompression(spec(ErrorControl::EControl, CompressorKind::TopK, 1, 0.0), 10),
              StatusCode::kInvalidArgument, "eta must be in (0, 1]");
  expectError(validateCompression(spec(ErrorControl::None, CompressorKind::Bf16), 0),
              StatusCode::kInvalidArgument, "at least one coordinate");
  auto self = makeSelfCommunicator();
  Vec g(4, 1), out(4);
  expectError(compressedMean(*self, spec(ErrorControl::Ef14, CompressorKind::TopK), g.data(), 4,
                             1, ErrorState<double>{}, out.data()),
              StatusCode::kInvalidArgument, "lacks its state");
}

// Least squares over 3 workers with different data (f_i = |A_i x - b_i|^2 / 2), full
// gradients, top-1 of 20 coordinates: the EControl paper's first experiment. Without
// feedback the biased compressed steps stall far from the optimum. EF21 and EControl
// converge to it (the mean gradient goes to zero, linearly). EF14 converges to a
// neighbourhood that shrinks with the step size: at the optimum each worker's own gradient
// is not zero, so its error keeps circulating (the heterogeneity its analyses bound).
double leastSquares(ErrorControl control, int steps, double gamma = 0.05) {
  const int ranks = 3, d = 20, rows = 30;
  std::mt19937_64 rng(1);
  std::normal_distribution<double> normal;
  std::vector<Vec> A(ranks, Vec(rows * d)), b(ranks, Vec(rows));
  for (int r = 0; r < ranks; ++r) {
    for (double &a : A[size_t(r)])
      a = normal(rng) / std::sqrt(double(rows));
    for (double &z : b[size_t(r)])
      z = normal(rng) + 3.0 * r; // heterogeneous: the workers' optima differ
  }
  auto gradient = [&](int r, const Vec &x, Vec &g) {
    std::fill(g.begin(), g.end(), 0.0);
    for (int i = 0; i < rows; ++i) {
      double res = -b[size_t(r)][size_t(i)];
      for (int j = 0; j < d; ++j)
        res += A[size_t(r)][size_t(i * d + j)] * x[size_t(j)];
      for (int j = 0; j < d; ++j)
        g[size_t(j)] += A[size_t(r)][size_t(i * d + j)] * res;
    }
  };
  CompressionSpec s = spec(control, CompressorKind::TopK, 1, 0.05);
  std::vector<double> finalNorm(ranks);
  ThreadGroup group(ranks);
  group.run([&](int rank, Communicator &comm) {
    Vec x(d, 0), g(d), e(d, 0), h(d, 0), hbar(d, 0), direction(d);
    for (int t = 1; t <= steps; ++t) {
      gradient(rank, x, g);
      ASSERT_TRUE(compressedMean(comm, s, g.data(), d, uint64_t(t),
                                 ErrorState<double>{e.data(), h.data(), hbar.data()},
                                 direction.data())
                      .ok());
      for (int j = 0; j < d; ++j)
        x[size_t(j)] -= gamma * direction[size_t(j)];
    }
    // The norm of the full mean gradient at the last iterate.
    gradient(rank, x, g);
    ASSERT_TRUE(comm.allReduce(g.data(), d, DType::F64, Reduction::Mean).ok());
    double norm = 0;
    for (double z : g)
      norm += z * z;
    finalNorm[size_t(rank)] = std::isfinite(norm) ? std::sqrt(norm) : INFINITY;
  });
  return finalNorm[0];
}

TEST(ErrorControl, LeastSquaresNeedsFeedback) {
  const int steps = 4000;
  double none = leastSquares(ErrorControl::None, steps);
  double ef14 = leastSquares(ErrorControl::Ef14, steps);
  double ef14Smaller = leastSquares(ErrorControl::Ef14, steps, 0.01);
  double ef21 = leastSquares(ErrorControl::Ef21, steps);
  double econtrol = leastSquares(ErrorControl::EControl, steps);
  std::printf("mean gradient norm after %d steps: none %.3g, EF14 %.3g (step 0.01: %.3g), "
              "EF21 %.3g, EControl %.3g\n",
              steps, none, ef14, ef14Smaller, ef21, econtrol);
  EXPECT_GT(none, 1.0);
  EXPECT_LT(ef14, none / 2);
  EXPECT_LT(ef14Smaller, ef14 / 4);
  EXPECT_LT(ef21, 1e-10);
  EXPECT_LT(econtrol, 1e-10);
}

} // namespace
} // namespace kiln::rt
