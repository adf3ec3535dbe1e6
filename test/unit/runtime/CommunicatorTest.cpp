// SPDX-License-Identifier: Apache-2.0
// Tests for the communicator interface (checks, accounting, the size-1 group) and the
// collective kernels compiled code calls (buckets, reductions, the rank-count check).
#include "kiln/runtime/Abi.h"
#include "kiln/runtime/distributed/Communicator.h"

#include "TestUtil.h"

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

namespace kiln::rt {
namespace {
using test::expectError;

/// What R ranks that all hold the same values reduce to: R times each value.
Status mirrorSum(void *data, int64_t count, DType dtype, int ranks) {
  for (int64_t i = 0; i < count; ++i) {
    if (dtype == DType::F32)
      static_cast<float *>(data)[i] *= float(ranks);
    else
      static_cast<double *>(data)[i] *= double(ranks);
  }
  return Status();
}

/// ... and gather to: R copies.
Status mirrorGather(const void *in, int64_t bytes, void *out, int ranks) {
  for (int r = 0; r < ranks; ++r)
    std::memcpy(static_cast<char *>(out) + r * bytes, in, size_t(bytes));
  return Status();
}

/// R ranks that all hold what this one holds: a sum is R times the value, a gather R copies.
class MirrorGroup final : public Communicator {
public:
  explicit MirrorGroup(int size) : size_(size) {}
  int rank() const override { return 0; }
  int size() const override { return size_; }
  std::string backend() const override { return "mirror"; }
  [[noreturn]] void abort(int code) override { std::_Exit(code); }

protected:
  Status allReduceImpl(void *data, int64_t count, DType dtype) override {
    return mirrorSum(data, count, dtype, size_);
  }
  Status broadcastImpl(void *, int64_t, int) override { return Status(); }
  Status allGatherImpl(const void *in, int64_t bytes, void *out) override {
    return mirrorGather(in, bytes, out, size_);
  }

private:
  int size_;
};

/// A MirrorGroup whose transport may run on the communication thread, and is slow there:
/// it records which buffers it reduced, in order, on which thread, and lets a test hold
/// the transport until released.
class ThreadedMirrorGroup final : public Communicator {
public:
  explicit ThreadedMirrorGroup(int size) : size_(size) {}
  ~ThreadedMirrorGroup() override { quiesce(); }
  int rank() const override { return 0; }
  int size() const override { return size_; }
  std::string backend() const override { return "threaded-mirror"; }
  [[noreturn]] void abort(int code) override { std::_Exit(code); }

  std::atomic<bool> hold{false};
  std::mutex logMutex;
  std::vector<const void *> reduced;
  std::vector<std::thread::id> threads;

protected:
  bool supportsCommunicationThread() const override { return true; }
  Status allReduceImpl(void *data, int64_t count, DType dtype) override {
    while (hold.load())
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    {
      std::lock_guard<std::mutex> lock(logMutex);
      reduced.push_back(data);
      threads.push_back(std::this_thread::get_id());
    }
    return mirrorSum(data, count, dtype, size_);
  }
  Status broadcastImpl(void *, int64_t, int) override {
    std::lock_guard<std::mutex> lock(logMutex);
    reduced.push_back(nullptr); // where the broadcast ran among the reductions
    return Status();
  }
  Status allGatherImpl(const void *in, int64_t bytes, void *out) override {
    return mirrorGather(in, bytes, out, size_);
  }

private:
  int size_;
};

/// Installs a group for one test and puts the size-1 group back after it.
struct WorldScope {
  explicit WorldScope(std::shared_ptr<Communicator> group) { setWorldCommunicator(group); }
  ~WorldScope() { setWorldCommunicator(nullptr); }
};

std::vector<int64_t> collectiveParams(std::vector<int64_t> sizes, int64_t reduction,
                                      int64_t root = 0, int64_t ranks = 0) {
  kiln_collective_config c{int64_t(sizes.size()), reduction, root, ranks};
  std::vector<int64_t> words(KILN_ABI_COLLECTIVE_CONFIG_FIELDS);
  std::memcpy(words.data(), &c, sizeof c);
  words.insert(words.end(), sizes.begin(), sizes.end());
  return words;
}

TEST(Communicator, WorldIsOneProcessByDefault) {
  Communicator &world = worldCommunicator();
  EXPECT_EQ(world.rank(), 0);
  EXPECT_EQ(world.size(), 1);
  EXPECT_EQ(world.backend(), "self");
}

TEST(Communicator, SelfLeavesValuesAndCountsPayload) {
  auto self = makeSelfCommunicator();
  std::vector<float> x = {1.5f, -2.0f, 3.25f};
  ASSERT_TRUE(self->allReduce(x.data(), 3, DType::F32, Reduction::Mean).ok());
  ASSERT_TRUE(self->allReduce(x.data(), 3, DType::F32, Reduction::Sum).ok());
  EXPECT_EQ(x, (std::vector<float>{1.5f, -2.0f, 3.25f}));
  std::vector<float> gathered(3);
  ASSERT_TRUE(self->allGather(x.data(), 12, gathered.data()).ok());
  EXPECT_EQ(gathered, x);
  ASSERT_TRUE(self->broadcast(x.data(), 12, 0).ok());
  EXPECT_TRUE(self->checkAgreement(42, "anything").ok());
  // Two all-reduces of 12 bytes, a gather of 12, a broadcast from this root of 12; the
  // agreement check of a group of one sends nothing.
  EXPECT_EQ(self->stats().collectives, 4);
  EXPECT_EQ(self->stats().payloadBytes, 48);
  self->resetStats();
  EXPECT_EQ(self->stats().payloadBytes, 0);
}

TEST(Communicator, RefusesBadArguments) {
  auto self = makeSelfCommunicator();
  std::vector<int32_t> ints(4);
  expectError(self->allReduce(ints.data(), 4, DType::I32, Reduction::Sum),
              StatusCode::kInvalidArgument, "all_reduce runs on f32 or f64, not i32");
  expectError(self->allReduce(nullptr, 4, DType::F32, Reduction::Sum),
              StatusCode::kInvalidArgument, "null buffer");
  expectError(self->broadcast(ints.data(), 16, 1), StatusCode::kInvalidArgument,
              "broadcast from rank 1 in a group of 1");
  expectError(self->allGather(ints.data(), -1, ints.data()), StatusCode::kInvalidArgument,
              "all_gather of -1 bytes");
  EXPECT_EQ(self->stats().collectives, 0);
}

TEST(Communicator, MeanDividesTheSum) {
  MirrorGroup group(4);
  std::vector<double> x = {1.0, -3.0, 0.1};
  ASSERT_TRUE(group.allReduce(x.data(), 3, DType::F64, Reduction::Sum).ok());
  EXPECT_EQ(x, (std::vector<double>{4.0, -12.0, 0.4}));
  ASSERT_TRUE(group.allReduce(x.data(), 3, DType::F64, Reduction::Mean).ok());
  EXPECT_EQ(x, (std::vector<double>{4.0, -12.0, 0.4}));
}

TEST(Communicator, AgreementNamesNothingWhenAllAgree) {
  MirrorGroup group(3);
  EXPECT_TRUE(group.checkAgreement(7, "the program").ok());
}

TEST(CollectiveKernels, BucketTravelsAsOneMessage) {
  auto group = std::make_shared<MirrorGroup>(3);
  WorldScope scope(group);
  std::vector<float> a = {1, 2, 3}, b = {4}, c = {5, 6};
  void *buffers[] = {a.data(), b.data(), c.data()};
  std::vector<int64_t> sum = collectiveParams({3, 1, 2}, /*sum*/ 0);
  kiln_all_reduce_f32(sum.data(), buffers);
  EXPECT_EQ(a, (std::vector<float>{3, 6, 9}));
  EXPECT_EQ(b, (std::vector<float>{12}));
  EXPECT_EQ(c, (std::vector<float>{15, 18}));
  EXPECT_EQ(group->stats().collectives, 1);
  EXPECT_EQ(group->stats().payloadBytes, 24);
  std::vector<int64_t> mean = collectiveParams({3, 1, 2}, /*mean*/ 1);
  kiln_all_reduce_f32(mean.data(), buffers);
  EXPECT_EQ(a, (std::vector<float>{3, 6, 9}));
  EXPECT_EQ(c, (std::vector<float>{15, 18}));
}

TEST(CollectiveKernels, GatherStacksRanks) {
  auto group = std::make_shared<MirrorGroup>(2);
  WorldScope scope(group);
  std::vector<double> x = {1.5, 2.5}, y(4);
  void *buffers[] = {x.data(), y.data()};
  std::vector<int64_t> params = collectiveParams({2}, 0, 0, /*ranks*/ 2);
  kiln_all_gather_f64(params.data(), buffers);
  EXPECT_EQ(y, (std::vector<double>{1.5, 2.5, 1.5, 2.5}));
}

TEST(CollectiveKernelsDeathTest, GatherForAnotherRankCountEndsTheGroup) {
  std::vector<float> x = {1}, y(4);
  void *buffers[] = {x.data(), y.data()};
  std::vector<int64_t> params = collectiveParams({1}, 0, 0, /*ranks*/ 4);
  EXPECT_EXIT(kiln_all_gather_f32(params.data(), buffers), testing::ExitedWithCode(1),
              "rank 0 of 1: kiln.all_gather: the program gathers from 4 ranks, and 1 are "
              "running it");
}

TEST(Communicator, StartedReductionsRunInOrderOnTheCommunicationThread) {
  ThreadedMirrorGroup group(2);
  std::vector<float> a = {1, 2}, b = {3};
  group.hold = true; // both stay queued while this thread goes on
  ASSERT_TRUE(group.startAllReduce(a.data(), 2, DType::F32, Reduction::Sum).ok());
  ASSERT_TRUE(group.startAllReduce(b.data(), 1, DType::F32, Reduction::Mean).ok());
  EXPECT_EQ(a, (std::vector<float>{1, 2})); // not yet reduced
  group.hold = false;
  ASSERT_TRUE(group.waitAllReduce(b.data()).ok()); // waits may come in any order
  ASSERT_TRUE(group.waitAllReduce(a.data()).ok());
  EXPECT_EQ(a, (std::vector<float>{2, 4}));
  EXPECT_EQ(b, (std::vector<float>{3}));
  ASSERT_EQ(group.reduced, (std::vector<const void *>{a.data(), b.data()}));
  EXPECT_NE(group.threads[0], std::this_thread::get_id());
  EXPECT_EQ(group.stats().collectives, 2);
  EXPECT_EQ(group.stats().payloadBytes, 12);
}

TEST(Communicator, BlockingCollectivesRunAfterTheStartedOnes) {
  ThreadedMirrorGroup group(2);
  std::vector<double> a = {1};
  std::vector<char> c(4);
  group.hold = true;
  ASSERT_TRUE(group.startAllReduce(a.data(), 1, DType::F64, Reduction::Sum).ok());
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    group.hold = false;
  });
  ASSERT_TRUE(group.broadcast(c.data(), 4, 0).ok()); // every rank reduces a first
  release.join();
  EXPECT_EQ(group.reduced, (std::vector<const void *>{a.data(), nullptr}));
  EXPECT_EQ(a, (std::vector<double>{2}));
  ASSERT_TRUE(group.waitAllReduce(a.data()).ok());
}

TEST(Communicator, WaitsMatchStarts) {
  ThreadedMirrorGroup group(2);
  std::vector<float> a = {1};
  expectError(group.waitAllReduce(a.data()), StatusCode::kInvalidArgument,
              "all_reduce_wait on a buffer with no all_reduce started");
  ASSERT_TRUE(group.startAllReduce(a.data(), 1, DType::F32, Reduction::Sum).ok());
  expectError(group.startAllReduce(a.data(), 1, DType::F32, Reduction::Sum),
              StatusCode::kInvalidArgument,
              "an all_reduce was started on this buffer and not waited for");
  ASSERT_TRUE(group.waitAllReduce(a.data()).ok());
  expectError(group.waitAllReduce(a.data()), StatusCode::kInvalidArgument, "no all_reduce");
}

TEST(Communicator, StartRunsAtOnceWithoutACommunicationThread) {
  MirrorGroup group(3); // its transport stays on the calling thread
  std::vector<float> a = {2};
  ASSERT_TRUE(group.startAllReduce(a.data(), 1, DType::F32, Reduction::Sum).ok());
  EXPECT_EQ(a, (std::vector<float>{6}));
  ASSERT_TRUE(group.waitAllReduce(a.data()).ok());
  group.quiesce(); // nothing to stop
}

TEST(CollectiveKernels, StartedBucketEqualsTheBlockingOne) {
  auto group = std::make_shared<ThreadedMirrorGroup>(3);
  WorldScope scope(group);
  std::vector<float> a = {1, 2, 3}, b = {4}, c = {5, 6};
  std::vector<float> a2 = a, b2 = b, c2 = c;
  void *buffers[] = {a.data(), b.data(), c.data()};
  void *blocking[] = {a2.data(), b2.data(), c2.data()};
  std::vector<int64_t> mean = collectiveParams({3, 1, 2}, /*mean*/ 1);
  group->hold = true;
  kiln_all_reduce_start_f32(mean.data(), buffers);
  EXPECT_EQ(a, (std::vector<float>{1, 2, 3})); // staged: the tensors wait for the result
  group->hold = false;
  kiln_all_reduce_wait_f32(mean.data(), buffers);
  kiln_all_reduce_f32(mean.data(), blocking);
  EXPECT_EQ(a, a2);
  EXPECT_EQ(b, b2);
  EXPECT_EQ(c, c2);
  EXPECT_EQ(group->stats().collectives, 2);
  EXPECT_EQ(group->stats().payloadBytes, 48);
}

TEST(CollectiveKernelsDeathTest, WaitWithoutStartEndsTheGroup) {
  std::vector<float> x = {1}, y = {2};
  void *buffers[] = {x.data(), y.data()};
  std::vector<int64_t> params = collectiveParams({1, 1}, 0);
  EXPECT_EXIT(kiln_all_reduce_wait_f32(params.data(), buffers), testing::ExitedWithCode(1),
              "kiln.all_reduce: all_reduce_wait on a bucket with no all_reduce started");
}

} // namespace
} // namespace kiln::rt
