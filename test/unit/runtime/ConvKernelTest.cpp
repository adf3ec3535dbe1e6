// SPDX-License-Identifier: Apache-2.0
// Window kernels compiled code calls (Abi.h) on shapes with fast paths of their own:
// - the f32 filter gradient on the shape kiln.clipped_value_and_grad gives it, one image
//   whose channels are a batch folded in, one group per sample, computed in fixed chunks of
//   groups (runtime/lib/onednn/Convolution.cpp); checked against the f64 loops, including a
//   last chunk that is partial;
// - max pooling and its gradient on unpadded windows of any kernel and stride (the 2x2,
//   stride-1 pooling of small CNNs), against a naive scan written here: the first maximum
//   of each window, a NaN winning, ties included.
#include "kiln/runtime/Abi.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

extern "C" void kiln_conv2d_grad_filter_f32(const int64_t *params, void *const *buffers);
extern "C" void kiln_conv2d_grad_filter_f64(const int64_t *params, void *const *buffers);
extern "C" void kiln_max_pool2d_f32(const int64_t *params, void *const *buffers);
extern "C" void kiln_max_pool2d_grad_f32(const int64_t *params, void *const *buffers);

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

// Per-sample filter gradients (the batch folded into groups), padded and strided: one GEMM
// per group below 16 channels a group, oneDNN in chunks of 16 groups from there on.
TEST(ConvKernel, OneImageManyGroupsEqualsTheReference) {
  checkAgainstF64(/*groups=*/48, /*cg=*/1, /*og=*/2);
  checkAgainstF64(/*groups=*/37, /*cg=*/2, /*og=*/3);
  checkAgainstF64(/*groups=*/17, /*cg=*/1, /*og=*/20);  // a whole and a partial block of 16
  checkAgainstF64(/*groups=*/48, /*cg=*/16, /*og=*/2);  // three whole chunks of 16 groups
  checkAgainstF64(/*groups=*/37, /*cg=*/16, /*og=*/3);  // a partial last chunk
}

/// The flat index of window (oh, ow)'s first maximum, or of its last NaN.
int64_t naiveArgmax(const kiln_window_geometry &g, const float *plane, int64_t oh, int64_t ow) {
  int64_t best = -1;
  for (int64_t kh = 0; kh < g.kh; ++kh)
    for (int64_t kw = 0; kw < g.kw; ++kw) {
      int64_t at = (oh * g.sh + kh) * g.w + ow * g.sw + kw;
      if (best < 0 || std::isnan(plane[at]) || (!std::isnan(plane[best]) && plane[at] > plane[best]))
        best = at;
    }
  return best;
}

void checkMaxPool(int64_t k, int64_t stride) {
  kiln_window_geometry g{};
  g.n = 2, g.c = 3, g.h = 9, g.w = 8, g.o = 3, g.kh = k, g.kw = k;
  g.sh = g.sw = stride, g.dh = g.dw = 1, g.groups = 1;
  g.oh = (g.h - k) / stride + 1, g.ow = (g.w - k) / stride + 1;
  std::mt19937 gen(3);
  std::uniform_int_distribution<int> level(0, 4); // few levels: many ties
  std::vector<float> x(g.n * g.c * g.h * g.w), dy(g.n * g.c * g.oh * g.ow);
  for (float &v : x)
    v = float(level(gen));
  x[5] = std::nanf(""), x[g.h * g.w + 17] = std::nanf("");
  for (size_t i = 0; i < dy.size(); ++i)
    dy[i] = 1.0f + float(i % 7);
  std::vector<float> y(dy.size()), dx(x.size(), -1), wantDx(x.size(), 0);
  auto params = reinterpret_cast<const int64_t *>(&g);
  void *forward[] = {x.data(), y.data()};
  void *backward[] = {x.data(), dy.data(), dx.data()};
  kiln_max_pool2d_f32(params, forward);
  kiln_max_pool2d_grad_f32(params, backward);
  for (int64_t p = 0; p < g.n * g.c; ++p)
    for (int64_t oh = 0; oh < g.oh; ++oh)
      for (int64_t ow = 0; ow < g.ow; ++ow) {
        int64_t at = naiveArgmax(g, x.data() + p * g.h * g.w, oh, ow);
        int64_t out = (p * g.oh + oh) * g.ow + ow;
        float want = x[p * g.h * g.w + at];
        if (std::isnan(want))
          EXPECT_TRUE(std::isnan(y[out])) << "window " << out;
        else
          EXPECT_EQ(y[out], want) << "window " << out;
        wantDx[p * g.h * g.w + at] += dy[out];
      }
  for (size_t i = 0; i < dx.size(); ++i)
    EXPECT_EQ(dx[i], wantDx[i]) << "input " << i << " (kernel " << k << ", stride " << stride << ")";
}

TEST(WindowKernel, UnpaddedMaxPoolingEqualsANaiveScan) {
  checkMaxPool(/*k=*/2, /*stride=*/1); // overlapping windows: gradients add up
  checkMaxPool(/*k=*/3, /*stride=*/2);
  checkMaxPool(/*k=*/2, /*stride=*/2);
}

} // namespace
