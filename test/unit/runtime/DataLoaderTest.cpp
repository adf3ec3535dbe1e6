// SPDX-License-Identifier: Apache-2.0
// Batches of a Dataset for a step (io/DataLoader.h): inputs found by kiln.data, checked
// against the data, shuffled epochs of whole batches, and wrong views refused.
#include "kiln/runtime/IO.h"

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <optional>
#include <random>
#include <set>

namespace kiln::rt {
namespace {

using test::expectError;

/// `count` examples of 2 features: example i is (i, -i), label i % 4.
Dataset makeData(int64_t count) {
  Dataset data;
  data.count = count;
  data.numFeatures = 2;
  data.source = "made.csv";
  data.features = *Tensor::allocate(DType::F32, {count, 2});
  data.labels = *Tensor::allocate(DType::I64, {count});
  for (int64_t i = 0; i < count; ++i) {
    data.features.data<float>()[2 * i] = float(i);
    data.features.data<float>()[2 * i + 1] = float(-i);
    data.labels.data<int64_t>()[i] = i % 4;
  }
  return data;
}

struct Feed : ::testing::Test {
  void SetUp() override {
    auto loaded = Module::load(KILN_TEST_MODULE_GOOD);
    ASSERT_TRUE(loaded.ok()) << loaded.status().toString();
    module = *loaded;
    feed = *module->lookup("feed");
    auto made = initializeInputs(*feed, 0);
    ASSERT_TRUE(made.ok()) << made.status().toString();
    inputs = std::move(*made);
  }
  std::optional<Module> module;
  const Function *feed = nullptr;
  std::vector<Tensor> inputs;
};

TEST_F(Feed, FindsTheBatchInputs) {
  Dataset data = makeData(7);
  auto batch = findBatchInputs(*feed, data);
  ASSERT_TRUE(batch.ok()) << batch.status().toString();
  EXPECT_EQ(batch->images, 1u);
  EXPECT_EQ(batch->labels, 2u);
  EXPECT_EQ(batch->size, 3);
  Dataset wide = makeData(7);
  wide.numFeatures = 3;
  expectError(findBatchInputs(*feed, wide).status(), StatusCode::kInvalidArgument,
              "@feed takes 2 features per example, the dataset has 3");
  expectError(findBatchInputs(*feed, data, "val_").status(), StatusCode::kInvalidArgument,
              "kiln.data = \"val_images\"");
  const Function &sum = **module->lookup("sum");
  expectError(findBatchInputs(sum, data).status(), StatusCode::kInvalidArgument,
              "@sum needs one argument with kiln.data = \"images\"");
}

TEST_F(Feed, EveryEpochIsAPermutationOfWholeBatches) {
  Dataset data = makeData(7); // two batches of 3 per epoch; one example waits
  auto loader = DataLoader::create(*feed, data, /*seed=*/5);
  ASSERT_TRUE(loader.ok()) << loader.status().toString();
  EXPECT_EQ(loader->batchesPerEpoch(), 2);
  EXPECT_EQ(loader->epoch(), 0);
  std::vector<TensorView> views = viewsOf(inputs);
  std::vector<std::vector<int64_t>> epochs;
  for (int e = 0; e < 3; ++e) {
    std::vector<int64_t> seen;
    for (int b = 0; b < 2; ++b) {
      ASSERT_TRUE(loader->next(views).ok());
      EXPECT_EQ(loader->epoch(), e + 1);
      for (int r = 0; r < 3; ++r) {
        float x = inputs[1].data<float>()[2 * r];
        EXPECT_EQ(inputs[1].data<float>()[2 * r + 1], -x); // the row moved whole
        EXPECT_EQ(inputs[2].data<int32_t>()[r], int32_t(int64_t(x) % 4)); // with its label
        seen.push_back(int64_t(x));
      }
    }
    // Six different examples of the seven.
    EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), 6u);
    epochs.push_back(seen);
  }
  EXPECT_NE(epochs[0], epochs[1]); // reshuffled

  // The order is kiln-run's: Fisher-Yates over a fresh 0..n-1 each epoch, one generator.
  std::mt19937_64 rng(5);
  std::vector<int64_t> order(7);
  for (int e = 0; e < 3; ++e) {
    std::iota(order.begin(), order.end(), 0);
    for (int64_t i = 6; i > 0; --i)
      std::swap(order[i], order[int64_t(rng() % uint64_t(i + 1))]);
    EXPECT_EQ(std::vector<int64_t>(order.begin(), order.begin() + 6), epochs[e]);
  }
  // The same seed gives the same batches.
  auto again = DataLoader::create(*feed, data, /*seed=*/5);
  ASSERT_TRUE(again->next(views).ok());
  EXPECT_EQ(int64_t(inputs[1].data<float>()[0]), epochs[0][0]);
}

TEST_F(Feed, RefusesWhatWouldNotFit) {
  Dataset tiny = makeData(2);
  expectError(DataLoader::create(*feed, tiny, 0).status(), StatusCode::kInvalidArgument,
              "made.csv: 2 examples, fewer than one @feed batch of 3");
  Dataset data = makeData(7);
  auto loader = DataLoader::create(*feed, data, 0);
  ASSERT_TRUE(loader.ok());
  std::vector<TensorView> views = viewsOf(inputs);
  std::vector<TensorView> few(views.begin(), views.begin() + 2);
  expectError(loader->next(few), StatusCode::kInvalidArgument, "2 input views");
  std::vector<TensorView> wrong = views;
  wrong[1].shape = {4, 2};
  expectError(loader->next(wrong), StatusCode::kInvalidArgument,
              "input 1 is not the step's batch buffer");
  wrong = views;
  wrong[2].dtype = DType::I64;
  expectError(loader->next(wrong), StatusCode::kInvalidArgument,
              "input 2 is not the step's batch buffer");
  EXPECT_EQ(loader->epoch(), 0); // nothing was consumed
}

} // namespace
} // namespace kiln::rt
