// SPDX-License-Identifier: Apache-2.0
// Tests for kiln_matmul_f32, the GEMM compiled code calls (Abi.h).
#include "kiln/runtime/Abi.h"

#include <gtest/gtest.h>

#include <vector>

namespace {

TEST(MatmulKernel, AccumulatesIntoC) {
  std::vector<float> a = {1, 2, 3, 4}, b = {5, 6, 7, 8}, c = {1, 1, 1, 1};
  kiln_matmul_f32(2, 2, 2, a.data(), 2, b.data(), 2, c.data(), 2);
  EXPECT_EQ(c, (std::vector<float>{20, 23, 44, 51}));
}

// Found by the session fuzz target: a batch of zero rows (m = 0) made oneDNN refuse the
// product and the kernel print a warning on every call. No terms leave C as it is, silently.
TEST(MatmulKernel, EmptyProductsLeaveCAndSayNothing) {
  std::vector<float> a = {1, 2, 3}, b = {4, 5, 6}, c = {7, 8, 9};
  testing::internal::CaptureStderr();
  kiln_matmul_f32(0, 3, 1, a.data(), 1, b.data(), 3, c.data(), 3);
  kiln_matmul_f32(1, 0, 3, a.data(), 3, b.data(), 1, c.data(), 1);
  kiln_matmul_f32(1, 3, 0, a.data(), 1, b.data(), 3, c.data(), 3);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(c, (std::vector<float>{7, 8, 9}));
}

} // namespace
