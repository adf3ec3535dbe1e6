// SPDX-License-Identifier: Apache-2.0
// Tests for Tensor allocation, TensorView sizes and the checked size arithmetic.
#include "kiln/runtime/Tensor.h"

#include "TestUtil.h"

#include <cstdint>
#include <limits>

namespace kiln::rt {
namespace {
using test::expectError;

TEST(Tensor, AllocateIsAlignedAndZeroed) {
  StatusOr<Tensor> tensor = Tensor::allocate(DType::F32, {4, 3});
  ASSERT_TRUE(tensor.ok()) << tensor.status().toString();
  EXPECT_EQ(tensor->numel(), 12);
  EXPECT_EQ(tensor->nbytes(), 48u);
  EXPECT_EQ(tensor->dtype(), DType::F32);
  EXPECT_EQ(tensor->shape(), (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(tensor->data()) % 64, 0u);
  for (int i = 0; i < 12; ++i)
    EXPECT_EQ(tensor->data<float>()[i], 0.0f);

  TensorView view = tensor->view();
  EXPECT_EQ(view.data, tensor->data());
  EXPECT_EQ(view.numel(), 12);
  EXPECT_EQ(view.nbytes(), 48u);
}

TEST(Tensor, RankZeroAndEmpty) {
  StatusOr<Tensor> scalar = Tensor::allocate(DType::F64, {});
  ASSERT_TRUE(scalar.ok());
  EXPECT_EQ(scalar->numel(), 1);
  EXPECT_EQ(scalar->nbytes(), 8u);

  StatusOr<Tensor> empty = Tensor::allocate(DType::I8, {3, 0});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->numel(), 0);
  EXPECT_NE(empty->data(), nullptr);
}

TEST(Tensor, RejectsNegativeExtent) {
  expectError(Tensor::allocate(DType::F32, {2, -1}).status(), StatusCode::kInvalidArgument,
              "negative", "[2, -1]");
  expectError(Tensor::allocate(DType::F32, {-5}).status(), StatusCode::kInvalidArgument,
              "negative", "[-5]");
}

TEST(Tensor, RejectsOverflow) {
  int64_t big = int64_t{1} << 40;
  expectError(Tensor::allocate(DType::F32, {big, big}).status(), StatusCode::kInvalidArgument,
              "overflow");
  // Fits as an element count, overflows as bytes.
  expectError(Tensor::allocate(DType::F64, {std::numeric_limits<int64_t>::max() / 4}).status(),
              StatusCode::kInvalidArgument, "overflow");
}

TEST(Tensor, ReportsFailedAllocation) {
  // 2^60 bytes is a valid size no machine can provide.
  expectError(Tensor::allocate(DType::I8, {int64_t{1} << 60}).status(),
              StatusCode::kResourceExhausted, "cannot allocate");
}

TEST(Tensor, RejectsInvalidDType) {
  expectError(Tensor::allocate(static_cast<DType>(99), {1}).status(),
              StatusCode::kInvalidArgument, "dtype");
}

TEST(Tensor, MoveTransfersOwnership) {
  StatusOr<Tensor> made = Tensor::allocate(DType::I32, {5});
  ASSERT_TRUE(made.ok());
  void *data = made->data();
  Tensor moved = std::move(made).value();
  EXPECT_EQ(moved.data(), data);
  Tensor target;
  EXPECT_EQ(target.data(), nullptr);
  EXPECT_EQ(target.numel(), 0);
  target = std::move(moved);
  EXPECT_EQ(target.data(), data);
  EXPECT_EQ(target.shape(), std::vector<int64_t>{5});
}

TEST(Tensor, CheckedByteSizeZeroExtentNeverOverflows) {
  int64_t big = int64_t{1} << 62;
  StatusOr<size_t> bytes = checkedByteSize(DType::F32, {big, big, 0});
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, 0u);
}

TEST(Tensor, ShapeToString) {
  EXPECT_EQ(shapeToString({}), "[]");
  EXPECT_EQ(shapeToString({4}), "[4]");
  EXPECT_EQ(shapeToString({4, -1, 3}), "[4, ?, 3]");
  EXPECT_EQ(extentsToString({4, -1, 3}), "[4, -1, 3]");
}

} // namespace
} // namespace kiln::rt
