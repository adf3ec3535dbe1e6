// SPDX-License-Identifier: Apache-2.0
// Tests for Philox4x32-10 (Random123 known answers) and the uniform/normal tensor fills.
#include "kiln/runtime/BoxMuller.h"
#include "kiln/runtime/Random.h"

#include "TestUtil.h"

#include <cmath>

namespace kiln::rt {
namespace {
using test::expectError;

using Words = std::array<uint32_t, 4>;

// Random123's kat_vectors for philox4x32_10.
TEST(Philox, KnownAnswers) {
  EXPECT_EQ(philox4x32({0, 0, 0, 0}, {0, 0}),
            (Words{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(philox4x32({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}),
            (Words{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(philox4x32({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
            (Words{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

template <class T> std::vector<T> fill(DType dtype, size_t n, uint64_t seed, bool normal) {
  std::vector<T> values(n);
  TensorView view{values.data(), dtype, {static_cast<int64_t>(n)}};
  Status status = normal ? fillNormal(view, seed, 0.0f, 1.0f) : fillUniform(view, seed, 0.0f, 1.0f);
  EXPECT_TRUE(status.ok()) << status.toString();
  return values;
}

TEST(Random, DeterministicAndIndependentOfLength) {
  for (bool normal : {false, true}) {
    std::vector<float> a = fill<float>(DType::F32, 1001, 42, normal);
    EXPECT_EQ(a, fill<float>(DType::F32, 1001, 42, normal));
    EXPECT_NE(a, fill<float>(DType::F32, 1001, 43, normal));
    // Element i depends only on (seed, i): a shorter tensor is a prefix, whatever the blocking.
    for (size_t n : {1, 2, 3, 5, 7}) {
      std::vector<float> prefix = fill<float>(DType::F32, n, 42, normal);
      EXPECT_TRUE(std::equal(prefix.begin(), prefix.end(), a.begin())) << n;
    }
    std::vector<double> d = fill<double>(DType::F64, 9, 42, normal);
    std::vector<double> d3 = fill<double>(DType::F64, 3, 42, normal);
    EXPECT_TRUE(std::equal(d3.begin(), d3.end(), d.begin()));
  }
}

// fillNormal against Box-Muller written out from philox4x32 and scalar libm: counter
// {block, block >> 32, 2, 0}; f32 takes pairs from words {0, 1} and {2, 3} as (w + 0.5) 2^-32,
// f64 one pair from 53-bit uniforms (u1 = 1 - u). The fill runs on glibc's vector math
// library, so the values agree to its accuracy (a few ulp of f64), not bit for bit. The
// tensors span many tiles and parallel chunks and end inside a tile.
TEST(Random, NormalIsBoxMullerOfPhilox) {
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  const uint64_t seed = 0x123456789abcdefull;
  auto block = [&](uint64_t b) {
    return philox4x32({uint32_t(b), uint32_t(b >> 32), 2, 0}, {uint32_t(seed), uint32_t(seed >> 32)});
  };
  auto pair = [&](double u1, double u2, int k) {
    double r = 0.5 * std::sqrt(-2.0 * std::log(u1));
    return -1.0 + (k == 0 ? r * std::cos(kTwoPi * u2) : r * std::sin(kTwoPi * u2));
  };
  constexpr int64_t n = 100003;
  std::vector<float> f(n);
  ASSERT_TRUE(fillNormal(TensorView{f.data(), DType::F32, {n}}, seed, -1.0f, 0.5f).ok());
  for (int64_t i = 0; i < n; ++i) {
    Words w = block(uint64_t(i / 4));
    int64_t p = (i % 4) / 2;
    double expected = pair((w[2 * p] + 0.5) * 0x1p-32, (w[2 * p + 1] + 0.5) * 0x1p-32, int(i % 2));
    ASSERT_NEAR(f[size_t(i)], expected, 2e-7 * std::fabs(expected) + 1e-12) << i;
  }
  std::vector<double> d(n);
  ASSERT_TRUE(fillNormal(TensorView{d.data(), DType::F64, {n}}, seed, -1.0f, 0.5f).ok());
  auto unit53 = [](uint32_t high, uint32_t low) {
    return double(((uint64_t{high} << 32) | low) >> 11) * 0x1p-53;
  };
  for (int64_t i = 0; i < n; ++i) {
    Words w = block(uint64_t(i / 2));
    double expected = pair(1.0 - unit53(w[0], w[1]), unit53(w[2], w[3]), int(i % 2));
    ASSERT_NEAR(d[size_t(i)], expected, 1e-14 * std::fabs(expected) + 1e-15) << i;
  }
}

/// BoxMuller.h's own logarithm, sine and cosine (the same bits on the CPU and the GPU) are
/// within one ulp of glibc's, which are correctly rounded in nearly every case, over the
/// inputs the fills give them: uniforms in [2^-53, 1] and angles in [0, 2 pi).
TEST(Random, BoxMullerFunctionsAreWithinAnUlpOfLibm) {
  using namespace kiln::rt::detail;
  auto ulps = [](double got, double expected) {
    if (got == expected)
      return 0.0;
    return std::fabs(got - expected) / std::fabs(std::nextafter(expected, 0.0) - expected);
  };
  EXPECT_EQ(boxMullerLog(1.0), 0.0);
  EXPECT_EQ(boxMullerLog(0x1p-53), std::log(0x1p-53));
  double sine = 1, cosine = 0;
  boxMullerSinCos(0.0, sine, cosine);
  EXPECT_EQ(sine, 0.0);
  EXPECT_EQ(cosine, 1.0);
  double worstLog = 0, worstSin = 0, worstCos = 0;
  for (uint64_t i = 0; i < 400000; ++i) {
    auto w = kiln::rt::philox4x32({uint32_t(i), 0, 7, 0}, {11, 13});
    double u = 1.0 - unit53(w[0], w[1]);
    double angle = 6.283185307179586476925286766559 * unit53(w[2], w[3]);
    worstLog = std::max(worstLog, ulps(boxMullerLog(u), std::log(u)));
    boxMullerSinCos(angle, sine, cosine);
    worstSin = std::max(worstSin, ulps(sine, std::sin(angle)));
    worstCos = std::max(worstCos, ulps(cosine, std::cos(angle)));
  }
  EXPECT_LE(worstLog, 1.0);
  EXPECT_LE(worstSin, 1.0);
  EXPECT_LE(worstCos, 1.0);
}

TEST(Random, UniformAndNormalStreamsDiffer) {
  EXPECT_NE(fill<float>(DType::F32, 8, 1, false), fill<float>(DType::F32, 8, 1, true));
}

template <class T> void expectMoments(const std::vector<T> &values, double mean, double stddev) {
  double n = static_cast<double>(values.size()), sum = 0, squares = 0;
  for (T v : values)
    sum += v;
  double sampleMean = sum / n;
  for (T v : values)
    squares += (v - sampleMean) * (v - sampleMean);
  double sampleStd = std::sqrt(squares / (n - 1));
  // Five standard errors: a correct generator fails this about once in 3.5 million runs.
  EXPECT_NEAR(sampleMean, mean, 5 * stddev / std::sqrt(n));
  EXPECT_NEAR(sampleStd, stddev, 5 * stddev / std::sqrt(2 * n));
}

TEST(Random, NormalMoments) {
  constexpr int64_t n = 100000;
  std::vector<float> f(n);
  ASSERT_TRUE(fillNormal(TensorView{f.data(), DType::F32, {n}}, 2024, 3.0f, 2.0f).ok());
  expectMoments(f, 3.0, 2.0);
  std::vector<double> d(n);
  ASSERT_TRUE(fillNormal(TensorView{d.data(), DType::F64, {100, 1000}}, 7, -1.0f, 0.5f).ok());
  expectMoments(d, -1.0, 0.5);
  for (double v : d)
    ASSERT_TRUE(std::isfinite(v));
}

TEST(Random, UniformRangeAndMoments) {
  constexpr int64_t n = 100000;
  std::vector<float> f(n);
  ASSERT_TRUE(fillUniform(TensorView{f.data(), DType::F32, {n}}, 5, -2.0f, 6.0f).ok());
  for (float v : f) {
    ASSERT_GE(v, -2.0f);
    ASSERT_LT(v, 6.0f);
  }
  expectMoments(f, 2.0, 8.0 / std::sqrt(12.0));
  std::vector<double> d(n);
  ASSERT_TRUE(fillUniform(TensorView{d.data(), DType::F64, {n}}, 5, 0.0f, 1.0f).ok());
  for (double v : d) {
    ASSERT_GE(v, 0.0);
    ASSERT_LT(v, 1.0);
  }
  expectMoments(d, 0.5, 1.0 / std::sqrt(12.0));
}

TEST(Random, DegenerateRangeAndZeroStddev) {
  std::vector<float> f(5);
  TensorView view{f.data(), DType::F32, {5}};
  ASSERT_TRUE(fillUniform(view, 1, 2.5f, 2.5f).ok());
  EXPECT_EQ(f, std::vector<float>(5, 2.5f));
  ASSERT_TRUE(fillNormal(view, 1, -1.0f, 0.0f).ok());
  EXPECT_EQ(f, std::vector<float>(5, -1.0f));
}

TEST(Random, RejectsBadArguments) {
  std::vector<int32_t> ints(4);
  expectError(fillNormal(TensorView{ints.data(), DType::I32, {4}}, 0, 0, 1),
              StatusCode::kInvalidArgument, "fillNormal", "f32 or f64", "i32");
  uint16_t halves[4] = {};
  expectError(fillUniform(TensorView{halves, DType::F16, {4}}, 0, 0, 1),
              StatusCode::kInvalidArgument, "fillUniform", "f16");
  std::vector<float> f(4);
  TensorView view{f.data(), DType::F32, {4}};
  expectError(fillUniform(view, 0, 1, 0), StatusCode::kInvalidArgument, "lo <= hi");
  expectError(fillUniform(view, 0, 0, INFINITY), StatusCode::kInvalidArgument, "finite");
  expectError(fillNormal(view, 0, 0, -1), StatusCode::kInvalidArgument, "stddev");
  expectError(fillNormal(view, 0, NAN, 1), StatusCode::kInvalidArgument, "finite");
  expectError(fillNormal(TensorView{nullptr, DType::F32, {4}}, 0, 0, 1),
              StatusCode::kInvalidArgument, "null data");
  expectError(fillNormal(TensorView{f.data(), DType::F32, {-4}}, 0, 0, 1),
              StatusCode::kInvalidArgument, "negative");
  EXPECT_TRUE(fillNormal(TensorView{nullptr, DType::F32, {0}}, 0, 0, 1).ok());
}

TEST(InitSpec, ParsesTheGrammar) {
  auto normal = parseInitSpec("normal:0.05");
  ASSERT_TRUE(normal.has_value());
  EXPECT_EQ(normal->kind, InitSpec::Kind::Normal);
  EXPECT_DOUBLE_EQ(normal->value, 0.05);
  EXPECT_DOUBLE_EQ(parseInitSpec("uniform")->value, 1.0);
  EXPECT_DOUBLE_EQ(parseInitSpec("fill:-2.5")->value, -2.5);
  EXPECT_EQ(parseInitSpec("zeros")->kind, InitSpec::Kind::Zeros);
  EXPECT_EQ(parseInitSpec("key")->kind, InitSpec::Kind::Key);
  for (const char *bad : {"", "gaussian", "zeros:1", "fill", "fill:", "fill:x", "normal:-1",
                          "uniform:nan", "fill:1e999", "ones:", "key:1"})
    EXPECT_FALSE(parseInitSpec(bad).has_value()) << bad;
}

TEST(FillInit, KeysComeFromTheSeed) {
  int64_t a[3], b[3], c[3];
  ASSERT_TRUE(fillInit({a, DType::I64, {3}}, *parseInitSpec("key"), 1).ok());
  ASSERT_TRUE(fillInit({b, DType::I64, {3}}, *parseInitSpec("key"), 1).ok());
  ASSERT_TRUE(fillInit({c, DType::I64, {3}}, *parseInitSpec("key"), 2).ok());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(a[i], b[i]) << "a seed decides its keys";
    EXPECT_NE(a[i], c[i]) << "another seed, other keys";
    EXPECT_GE(a[i], 0);
  }
  EXPECT_NE(a[0], a[1]);
  float f[2];
  EXPECT_EQ(fillInit({f, DType::F32, {2}}, *parseInitSpec("key"), 1).code(),
            StatusCode::kInvalidArgument);
}

TEST(FillInit, ConstantsForEveryDTypeAndRandomForFloats) {
  int64_t ints[5];
  ASSERT_TRUE(fillInit({ints, DType::I64, {5}}, *parseInitSpec("fill:7"), 0).ok());
  for (int64_t v : ints)
    EXPECT_EQ(v, 7);
  float f[1000];
  ASSERT_TRUE(fillInit({f, DType::F32, {1000}}, *parseInitSpec("uniform:0.5"), 3).ok());
  for (float v : f)
    EXPECT_TRUE(v >= -0.5f && v < 0.5f) << v;
  ASSERT_TRUE(fillInit({f, DType::F32, {1000}}, *parseInitSpec("ones"), 3).ok());
  EXPECT_EQ(f[999], 1.0f);
  // Random initialisers are for floating-point tensors only.
  Status s = fillInit({ints, DType::I64, {5}}, *parseInitSpec("normal"), 0);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

} // namespace
} // namespace kiln::rt
