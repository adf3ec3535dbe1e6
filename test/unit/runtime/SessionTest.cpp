// SPDX-License-Identifier: Apache-2.0
// Tests for Session::call: argument checks, aliasing, and the memref descriptors it builds.
#include "kiln/runtime/Session.h"
#include "kiln/runtime/cuda/DeviceTensor.h"

#include "TestUtil.h"

#include <numeric>

namespace kiln::rt {
namespace {
using test::expectError;

TensorView f32(std::vector<float> &data, std::vector<int64_t> shape) {
  return TensorView{data.data(), DType::F32, std::move(shape)};
}

class SessionTest : public ::testing::Test {
protected:
  void SetUp() override {
    StatusOr<std::unique_ptr<Runtime>> made = Runtime::create();
    ASSERT_TRUE(made.ok());
    runtime = std::move(made).value();
    StatusOr<Module> loaded = runtime->loadModule(KILN_TEST_MODULE_GOOD);
    ASSERT_TRUE(loaded.ok()) << loaded.status().toString();
    StatusOr<Session> created = Session::create(*runtime, *loaded, SessionOptions{7});
    ASSERT_TRUE(created.ok());
    session.emplace(std::move(created).value());
  }

  const Function &fn(const char *name) { return **session->module().lookup(name); }

  std::unique_ptr<Runtime> runtime;
  std::optional<Session> session;
};

TEST_F(SessionTest, KeepsOptions) { EXPECT_EQ(session->options().seed, 7u); }

TEST_F(SessionTest, AxpyUpdatesTheAliasedInputInPlace) {
  std::vector<float> a = {2}, x = {1, 2, 3}, y = {10, 20, 30};
  Status status = session->call(fn("axpy"), {f32(a, {}), f32(x, {3}), f32(y, {3})}, {});
  ASSERT_TRUE(status.ok()) << status.toString();
  EXPECT_EQ(y, (std::vector<float>{12, 24, 36}));
  EXPECT_EQ(x, (std::vector<float>{1, 2, 3}));

  // The allocating form has nothing to allocate: the only result lives in input 2.
  StatusOr<std::vector<Tensor>> results = session->call(fn("axpy"), {f32(a, {}), f32(x, {3}), f32(y, {3})});
  ASSERT_TRUE(results.ok()) << results.status().toString();
  EXPECT_TRUE(results->empty());
  EXPECT_EQ(y, (std::vector<float>{14, 28, 42}));
}

/// Dynamic extents the program uses together must agree, and match a static extent the
/// program gives them; labels lie within the classes they index. Compiled code checks
/// neither, so the session does, before every call.
TEST_F(SessionTest, TiedExtentsAndLabelsAreChecked) {
  std::vector<float> x = {1, 2}, y = {10, 20}, z(6, 0.0f), z4(8, 0.0f), x3 = {1, 2, 3};
  std::vector<int64_t> labels = {0, 3}, labels3 = {0, 1, 2}, bad = {0, 4}, negative = {-1, 0};
  auto i64 = [](std::vector<int64_t> &data, std::vector<int64_t> shape) {
    return TensorView{data.data(), DType::I64, std::move(shape)};
  };
  const Function &tied = fn("tied");
  ASSERT_EQ(tied.extents(), (std::vector<int64_t>{-1, 3}));
  ASSERT_EQ(tied.inputs()[3].dims, (std::vector<int>{1, -1}));
  Status ok = session->call(tied, {f32(x, {2}), f32(y, {2}), i64(labels, {2}), f32(z, {3, 2})}, {});
  ASSERT_TRUE(ok.ok()) << ok.toString();
  EXPECT_EQ(y, (std::vector<float>{11, 22}));

  expectError(session->call(tied, {f32(x3, {3}), f32(y, {2}), i64(labels, {2}), f32(z, {3, 2})}, {}),
              StatusCode::kInvalidArgument, "tied: input 1", "dim 0 is 2, but input 0 dim 0 is 3",
              "the program uses them together");
  expectError(session->call(tied, {f32(x, {2}), f32(y, {2}), i64(labels3, {3}), f32(z, {3, 2})}, {}),
              StatusCode::kInvalidArgument, "input 2", "dim 0 is 3, but input 0 dim 0 is 2");
  expectError(session->call(tied, {f32(x, {2}), f32(y, {2}), i64(labels, {2}), f32(z4, {4, 2})}, {}),
              StatusCode::kInvalidArgument, "input 3", "dim 0 is 4",
              "the program uses it with an extent of 3");
  expectError(session->call(tied, {f32(x, {2}), f32(y, {2}), i64(bad, {2}), f32(z, {3, 2})}, {}),
              StatusCode::kInvalidArgument, "input 2", "label 4 at element 1 is outside [0, 4)");
  expectError(session->call(tied, {f32(x, {2}), f32(y, {2}), i64(negative, {2}), f32(z, {3, 2})}, {}),
              StatusCode::kInvalidArgument, "label -1 at element 0");
  // Nothing ran for the refused calls.
  EXPECT_EQ(y, (std::vector<float>{11, 22}));
}

TEST_F(SessionTest, DynamicDimsAcceptAnyExtentIncludingZero) {
  std::vector<float> a = {1}, x(1000, 1.0f), y(1000, 0.0f);
  ASSERT_TRUE(session->call(fn("axpy"), {f32(a, {}), f32(x, {1000}), f32(y, {1000})}, {}).ok());
  EXPECT_EQ(y[999], 1.0f);
  // Empty tensors may have null data.
  TensorView none{nullptr, DType::F32, {0}};
  EXPECT_TRUE(session->call(fn("axpy"), {f32(a, {}), none, none}, {}).ok());
}

TEST_F(SessionTest, SumWritesACallerBuffer) {
  std::vector<float> x = {1, 2, 3, 4, 5, 6}, out = {-1};
  Status status = session->call(fn("sum"), {f32(x, {2, 3})}, {f32(out, {})});
  ASSERT_TRUE(status.ok()) << status.toString();
  EXPECT_EQ(out[0], 21.0f);
}

TEST_F(SessionTest, SumAllocatesItsResult) {
  std::vector<float> x = {1, 2, 3, 4, 5, 6};
  StatusOr<std::vector<Tensor>> results = session->call(fn("sum"), {f32(x, {2, 3})});
  ASSERT_TRUE(results.ok()) << results.status().toString();
  ASSERT_EQ(results->size(), 1u);
  const Tensor &sum = (*results)[0];
  EXPECT_EQ(sum.dtype(), DType::F32);
  EXPECT_TRUE(sum.shape().empty());
  EXPECT_EQ(*sum.data<float>(), 21.0f);
}

TEST_F(SessionTest, DescriptorsFollowTheAbi) {
  std::vector<int32_t> x(12);
  std::iota(x.begin(), x.end(), 0);
  std::vector<int64_t> out(9, -7);
  TensorView in{x.data(), DType::I32, {2, 3, 2}};
  TensorView result{out.data(), DType::I64, {9}};
  ASSERT_TRUE(session->call(fn("layout"), {in}, {result}).ok());
  // allocated == aligned, offset 0, sizes, row-major strides in elements, element [1][2][1].
  EXPECT_EQ(out, (std::vector<int64_t>{1, 0, 2, 3, 2, 6, 2, 1, 11}));
}

TEST_F(SessionTest, DonatedInputWithoutAliasMayBeOverwritten) {
  std::vector<float> u = {1, 2, 3, 4}, v = {10, 10, 10, 10};
  ASSERT_TRUE(session->call(fn("drain"), {f32(u, {4}), f32(v, {4})}, {}).ok());
  EXPECT_EQ(u, (std::vector<float>{11, 12, 13, 14}));
  EXPECT_EQ(v, (std::vector<float>{0, 0, 0, 0}));
}

TEST_F(SessionTest, WrongInputCount) {
  std::vector<float> a = {1}, x = {1};
  expectError(session->call(fn("axpy"), {f32(a, {}), f32(x, {1})}, {}),
              StatusCode::kInvalidArgument, "axpy", "expected 3 inputs, got 2");
}

TEST_F(SessionTest, WrongOutputCount) {
  std::vector<float> x(6);
  expectError(session->call(fn("sum"), {f32(x, {2, 3})}, {}), StatusCode::kInvalidArgument,
              "sum", "expected 1 output buffers", "got 0");
}

TEST_F(SessionTest, WrongDType) {
  std::vector<double> x(6);
  TensorView view{x.data(), DType::F64, {2, 3}};
  expectError(session->call(fn("sum"), {view}).status(), StatusCode::kInvalidArgument, "sum",
              "input 0", "expected dtype f32, got f64");
}

TEST_F(SessionTest, WrongRank) {
  std::vector<float> x(6);
  expectError(session->call(fn("sum"), {f32(x, {6})}).status(), StatusCode::kInvalidArgument,
              "sum", "input 0", "expected rank 2", "got rank 1");
}

TEST_F(SessionTest, WrongStaticDim) {
  std::vector<float> x(6);
  expectError(session->call(fn("sum"), {f32(x, {3, 2})}).status(), StatusCode::kInvalidArgument,
              "sum", "input 0", "dim 0 is 3, expected 2", "f32[2, 3]");
}

TEST_F(SessionTest, WrongOutputShape) {
  std::vector<float> x(6), out(2);
  expectError(session->call(fn("sum"), {f32(x, {2, 3})}, {f32(out, {2})}),
              StatusCode::kInvalidArgument, "sum", "output 0", "expected rank 0");
}

TEST_F(SessionTest, NegativeDynamicDim) {
  std::vector<float> a = {1}, x(2), y(2);
  expectError(session->call(fn("axpy"), {f32(a, {}), f32(x, {-3}), f32(y, {2})}, {}),
              StatusCode::kInvalidArgument, "axpy", "input 1", "negative");
}

TEST_F(SessionTest, NullDataWithElements) {
  std::vector<float> a = {1}, y(2);
  TensorView x{nullptr, DType::F32, {2}};
  expectError(session->call(fn("axpy"), {f32(a, {}), x, f32(y, {2})}, {}),
              StatusCode::kInvalidArgument, "axpy", "input 1", "null data pointer");
}

/// Device memory (a DeviceTensor's view) is for a module compiled with --device cuda: a CPU
/// step would dereference it. Neither the call nor a DeviceTensor for a CPU module happens.
TEST_F(SessionTest, DeviceMemoryIsRefusedByACpuModule) {
  std::vector<float> a = {1}, x = {1, 2}, y(2);
  TensorView onDevice = f32(x, {2});
  onDevice.device = Device::kCuda;
  expectError(session->call(fn("axpy"), {f32(a, {}), onDevice, f32(y, {2})}, {}),
              StatusCode::kInvalidArgument, "axpy", "input 1", "in GPU memory",
              "runs on the CPU");
  EXPECT_EQ(y, (std::vector<float>{0, 0})); // nothing ran
  expectError(DeviceTensor::allocate(session->module(), DType::F32, {2}).status(),
              StatusCode::kFailedPrecondition, "runs on the CPU", "--device cuda");
}

TEST_F(SessionTest, TwoOverlappingDonatedInputs) {
  std::vector<float> buffer(6);
  TensorView u{buffer.data(), DType::F32, {4}}, v{buffer.data() + 2, DType::F32, {4}};
  expectError(session->call(fn("drain"), {u, v}, {}), StatusCode::kInvalidArgument, "drain",
              "input 1", "shares memory with input 0");
}

TEST_F(SessionTest, DonatedInputOverlappingAReadOnlyInput) {
  std::vector<float> a = {1}, xy = {1, 2, 3};
  expectError(session->call(fn("axpy"), {f32(a, {}), f32(xy, {3}), f32(xy, {3})}, {}),
              StatusCode::kInvalidArgument, "axpy", "input 2", "shares memory with input 1");
}

TEST_F(SessionTest, OutputOverlappingAnInput) {
  std::vector<float> x(6);
  expectError(session->call(fn("sum"), {f32(x, {2, 3})}, {f32(x, {})}),
              StatusCode::kInvalidArgument, "sum", "output 0", "shares memory with input 0");
}

TEST_F(SessionTest, ReadOnlyInputsMayShareMemory) {
  // a is read-only and may point into x, which is read-only too.
  std::vector<float> x = {3, 1}, y = {0, 0};
  TensorView a{x.data(), DType::F32, {}};
  ASSERT_TRUE(session->call(fn("axpy"), {a, f32(x, {2}), f32(y, {2})}, {}).ok());
  EXPECT_EQ(y, (std::vector<float>{9, 3}));
}

TEST_F(SessionTest, AdjacentBuffersDoNotOverlap) {
  std::vector<float> buffer(8);
  TensorView u{buffer.data(), DType::F32, {4}}, v{buffer.data() + 4, DType::F32, {4}};
  EXPECT_TRUE(session->call(fn("drain"), {u, v}, {}).ok());
}

TEST_F(SessionTest, RejectsAFunctionOfAnotherModule) {
  // A second load is a distinct Module with its own Function objects.
  StatusOr<Module> other = Module::load(KILN_TEST_MODULE_GOOD);
  ASSERT_TRUE(other.ok());
  std::vector<float> x(6);
  expectError(session->call(**other->lookup("sum"), {f32(x, {2, 3})}).status(),
              StatusCode::kInvalidArgument, "sum", "not an entry point of this session's module");
}

TEST_F(SessionTest, SessionKeepsTheModuleLoaded) {
  StatusOr<Session> own = [&] {
    StatusOr<Module> module = Module::load(KILN_TEST_MODULE_GOOD);
    EXPECT_TRUE(module.ok());
    return Session::create(*runtime, *module);
  }();
  ASSERT_TRUE(own.ok());
  std::vector<float> x = {1, 1, 1, 1, 1, 1};
  StatusOr<std::vector<Tensor>> results =
      own->call(**own->module().lookup("sum"), {f32(x, {2, 3})});
  ASSERT_TRUE(results.ok());
  EXPECT_EQ(*(*results)[0].data<float>(), 6.0f);
}

} // namespace
} // namespace kiln::rt
