// SPDX-License-Identifier: Apache-2.0
// The f32 filter gradient compiled code calls (kiln_conv2d_grad_filter_f32, Abi.h) on the
// shape kiln.clipped_value_and_grad gives it: one image whose channels are a batch folded in,
// with one group per sample. It is computed in fixed chunks of groups (runtime/lib/onednn/
// Convolution.cpp); checked against the f64 loops, including a last chunk that is partial.
#include "kiln/runtime/Abi.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

extern "C" void kiln_conv2d_grad_filter_f32(const int64_t *params, void *const *buffers);
extern "C" void kiln_conv2d_grad_filter_f64(const int64_t *params, void *const *buffers);

namespace {

void checkAgainstF64(int64_t groups, int64_t cg, int64_t og) {
  kiln_window_geometry g{};
  g.n = 1, g.c = groups * cg, g.h = 7, g.w = 7;
  g.o = groups * og, g.kh = 3, g.kw = 3;
  g.sh = g.sw = 2, g.ph = g.pw = 1, g.dh = g.dw = 1;
  g.oh = g.ow = 4, g.groups = groups;
  std::mt19937 gen(7);
  std::normal_distribution<float> normal;
  std::vector<float> x(g.c * g.h * g.w), dy(g.o * g.oh * g.ow), df(g.o * cg * g.kh * g.kw, -1);
  for (float &v : x)
    v = normal(gen);
  for (float &v : dy)
    v = normal(gen);
  std::vector<double> x64(x.begin(), x.end()), dy64(dy.begin(), dy.end()), df64(df.size());
  auto params = reinterpret_cast<const int64_t *>(&g);
  void *b32[] = {x.data(), dy.data(), df.data()};
  void *b64[] = {x64.data(), dy64.data(), df64.data()};
  kiln_conv2d_grad_filter_f32(params, b32);
  kiln_conv2d_grad_filter_f64(params, b64);
  for (size_t i = 0; i < df.size(); ++i)
    ASSERT_NEAR(df[i], df64[i], 1e-5 * (1 + std::abs(df64[i])))
        << "groups " << groups << ", filter element " << i;
}

TEST(ConvKernel, OneImageManyGroupsEqualsTheReference) {
  checkAgainstF64(/*groups=*/48, /*cg=*/1, /*og=*/2);  // three whole chunks of 16 groups
  checkAgainstF64(/*groups=*/37, /*cg=*/2, /*og=*/3);  // a partial last chunk
}

} // namespace
