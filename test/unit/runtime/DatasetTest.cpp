// SPDX-License-Identifier: Apache-2.0
// Tests for datasets: IDX directories, row selection, the seeded train/validation split and
// the two-way split (sizes, determinism, disjointness, coverage, invalid fractions).
#include "kiln/runtime/io/Dataset.h"

#include "TestUtil.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <random>
#include <set>
#include <vector>

namespace kiln::rt {
namespace {
using test::expectError;
using test::TempDir;

/// `n` examples with 3 features; example i has features (i, i + 0.25, i + 0.5) and label
/// i % 7, so every example can be identified by its first feature.
Dataset makeDataset(int64_t n, DType labelType = DType::I64) {
  Dataset d;
  d.count = n;
  d.numFeatures = 3;
  d.source = "made-up";
  d.features = std::move(*Tensor::allocate(DType::F32, {n, 3}));
  d.labels = std::move(*Tensor::allocate(labelType, {n}));
  for (int64_t i = 0; i < n; ++i) {
    for (int f = 0; f < 3; ++f)
      d.features.data<float>()[i * 3 + f] = float(i) + 0.25f * float(f);
    if (labelType == DType::I64)
      d.labels.data<int64_t>()[i] = i % 7;
    else
      d.labels.data<int32_t>()[i] = int32_t(i % 7);
  }
  return d;
}

/// The original index of every example of `part`, checking that its rows are intact.
std::vector<int64_t> idsOf(const Dataset &part) {
  std::vector<int64_t> ids;
  EXPECT_EQ(part.features.shape(), (std::vector<int64_t>{part.count, 3}));
  EXPECT_EQ(part.labels.shape(), (std::vector<int64_t>{part.count}));
  for (int64_t r = 0; r < part.count; ++r) {
    const float *row = part.features.data<float>() + r * 3;
    int64_t id = int64_t(row[0]);
    EXPECT_EQ(row[1], float(id) + 0.25f);
    EXPECT_EQ(row[2], float(id) + 0.5f);
    EXPECT_EQ(part.label(r), id % 7);
    ids.push_back(id);
  }
  return ids;
}

/// Checks that the parts are disjoint, cover 0..n-1 and keep the original order.
void expectPartition(const Dataset &a, const Dataset &b, int64_t n) {
  std::vector<int64_t> ia = idsOf(a), ib = idsOf(b);
  EXPECT_TRUE(std::is_sorted(ia.begin(), ia.end()));
  EXPECT_TRUE(std::is_sorted(ib.begin(), ib.end()));
  std::set<int64_t> all(ia.begin(), ia.end());
  all.insert(ib.begin(), ib.end());
  EXPECT_EQ(int64_t(all.size()), n) << "the parts overlap or lose examples";
  EXPECT_EQ(int64_t(ia.size() + ib.size()), n);
  if (!all.empty()) {
    EXPECT_EQ(*all.begin(), 0);
    EXPECT_EQ(*all.rbegin(), n - 1);
  }
}

TEST(Dataset, SeededPermutationIsTheFisherYatesOfTheTrainingLoop) {
  std::vector<int64_t> p = seededPermutation(1000, 42);
  std::vector<int64_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> identity(1000);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_EQ(sorted, identity);
  EXPECT_NE(p, identity);
  EXPECT_EQ(p, seededPermutation(1000, 42));
  EXPECT_NE(p, seededPermutation(1000, 43));
  // Written out by hand: the same generator and modulo as kiln-run's batch shuffle.
  std::vector<int64_t> expected(10);
  std::iota(expected.begin(), expected.end(), 0);
  std::mt19937_64 rng(7);
  for (int64_t i = 9; i > 0; --i)
    std::swap(expected[i], expected[rng() % uint64_t(i + 1)]);
  EXPECT_EQ(seededPermutation(10, 7), expected);
  EXPECT_TRUE(seededPermutation(0, 1).empty());
  EXPECT_EQ(seededPermutation(1, 1), std::vector<int64_t>{0});
}

TEST(Dataset, SplitSizesFollowTheRoundedFraction) {
  Dataset d = makeDataset(100);
  for (auto [fraction, held] : std::vector<std::pair<double, int64_t>>{
           {0.1, 10}, {0.25, 25}, {0.5, 50}, {0.333, 33}, {0.005, 1}, {0.994, 99}}) {
    auto parts = splitDataset(d, fraction, 3);
    ASSERT_TRUE(parts.ok()) << fraction << ": " << parts.status().toString();
    EXPECT_EQ(parts->second.count, held) << fraction;
    EXPECT_EQ(parts->first.count, 100 - held) << fraction;
    expectPartition(parts->first, parts->second, 100);
  }
  // Halves round away from zero: 2.5 of 5 holds out 3.
  auto odd = splitDataset(makeDataset(5), 0.5, 1);
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->second.count, 3);
  EXPECT_EQ(odd->first.count, 2);
}

TEST(Dataset, SplitIsDeterministicAndSeeded) {
  Dataset d = makeDataset(500, DType::I32);
  auto a = splitDataset(d, 0.2, 11), b = splitDataset(d, 0.2, 11), c = splitDataset(d, 0.2, 12);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(idsOf(a->second), idsOf(b->second));
  EXPECT_EQ(idsOf(a->first), idsOf(b->first));
  EXPECT_NE(idsOf(a->second), idsOf(c->second));
  EXPECT_EQ(a->second.labels.dtype(), DType::I32);
  EXPECT_EQ(a->second.source, "made-up");
  expectPartition(a->first, a->second, 500);
  // The held-out part is the tail of the seeded permutation.
  std::vector<int64_t> order = seededPermutation(500, 11);
  std::vector<int64_t> tail(order.begin() + 400, order.end());
  std::sort(tail.begin(), tail.end());
  EXPECT_EQ(idsOf(a->second), tail);
}

TEST(Dataset, InvalidFractionsAreRefused) {
  Dataset d = makeDataset(10);
  for (double fraction : {0.0, 1.0, -0.5, 1.5, std::nan("")})
    expectError(splitDataset(d, fraction, 0).status(), StatusCode::kInvalidArgument,
                "must be in (0, 1)");
  // round(0.01 * 10) = 0 and round(0.99 * 10) = 10 leave a part empty.
  expectError(splitDataset(d, 0.01, 0).status(), StatusCode::kInvalidArgument,
              "of the 10 examples of made-up leaves the held-out part empty");
  expectError(splitDataset(d, 0.99, 0).status(), StatusCode::kInvalidArgument,
              "leaves the other part empty");
  expectError(splitDataset(makeDataset(1), 0.5, 0).status(), StatusCode::kInvalidArgument, "empty");
  expectError(splitDataset(makeDataset(0), 0.5, 0).status(), StatusCode::kInvalidArgument, "empty");
}

TEST(Dataset, TwoWaySplitGivesHalves) {
  for (int64_t n : {2, 3, 10, 101}) {
    Dataset d = makeDataset(n);
    auto halves = twoWaySplit(d, 5);
    ASSERT_TRUE(halves.ok()) << halves.status().toString();
    EXPECT_EQ(halves->first.count, (n + 1) / 2);
    EXPECT_EQ(halves->second.count, n / 2);
    expectPartition(halves->first, halves->second, n);
    auto again = twoWaySplit(d, 5);
    EXPECT_EQ(idsOf(again->first), idsOf(halves->first));
  }
  expectError(twoWaySplit(makeDataset(1), 0).status(), StatusCode::kInvalidArgument,
              "at least 2 examples");
}

TEST(Dataset, SelectRowsGathersAndChecks) {
  Dataset d = makeDataset(6);
  auto picked = selectRows(d, {5, 0, 5});
  ASSERT_TRUE(picked.ok());
  EXPECT_EQ(idsOf(*picked), (std::vector<int64_t>{5, 0, 5}));
  expectError(selectRows(d, {6}).status(), StatusCode::kInvalidArgument, "row 6 is outside");
  expectError(selectRows(d, {-1}).status(), StatusCode::kInvalidArgument, "row -1 is outside");
}

void writeIdx(const std::string &path, int type, std::vector<uint32_t> dims,
              std::vector<unsigned char> payload) {
  std::vector<unsigned char> bytes = {0, 0, static_cast<unsigned char>(type),
                                      static_cast<unsigned char>(dims.size())};
  for (uint32_t dim : dims)
    for (int shift : {24, 16, 8, 0})
      bytes.push_back(static_cast<unsigned char>(dim >> shift));
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  FILE *f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

TEST(Dataset, LoadsAnIdxDirectoryFlattened) {
  TempDir dir;
  writeIdx(dir.file("train-images-idx3-ubyte"), 0x08, {2, 2, 2}, {0, 51, 102, 153, 204, 255, 0, 0});
  writeIdx(dir.file("train-labels-idx1-ubyte"), 0x08, {2}, {4, 9});
  auto d = loadIdxDataset(dir.path(), "train", DType::I32);
  ASSERT_TRUE(d.ok()) << d.status().toString();
  EXPECT_EQ(d->count, 2);
  EXPECT_EQ(d->numFeatures, 4);
  EXPECT_EQ(d->features.shape(), (std::vector<int64_t>{2, 4}));
  EXPECT_FLOAT_EQ(d->features.data<float>()[1], 0.2f);
  EXPECT_FLOAT_EQ(d->features.data<float>()[5], 1.f);
  EXPECT_EQ(d->labels.dtype(), DType::I32);
  EXPECT_EQ(d->label(1), 9);
  EXPECT_EQ(d->source, dir.file("train-labels-idx1-ubyte"));
}

TEST(Dataset, IdxErrorsNameTheFiles) {
  TempDir dir;
  // Missing files are reported under their .gz name, as Debian ships them.
  expectError(loadIdxDataset(dir.path(), "train", DType::I64).status(), StatusCode::kNotFound,
              dir.file("train-images-idx3-ubyte.gz"));
  writeIdx(dir.file("t10k-images-idx3-ubyte"), 0x08, {3, 1, 1}, {1, 2, 3});
  expectError(loadIdxDataset(dir.path(), "t10k", DType::I64).status(), StatusCode::kNotFound,
              dir.file("t10k-labels-idx1-ubyte.gz"));
  writeIdx(dir.file("t10k-labels-idx1-ubyte"), 0x08, {2}, {1, 2});
  expectError(loadIdxDataset(dir.path(), "t10k", DType::I64).status(), StatusCode::kInvalidArgument,
              dir.path() + ": 3 images but labels of shape [2]");
  writeIdx(dir.file("t10k-labels-idx1-ubyte"), 0x08, {3}, {1, 2});
  expectError(loadIdxDataset(dir.path(), "t10k", DType::I64).status(), StatusCode::kDataLoss,
              "truncated");
  expectError(loadIdxDataset(dir.path(), "t10k", DType::F32).status(), StatusCode::kInvalidArgument,
              "i32 or i64");
}

} // namespace
} // namespace kiln::rt
